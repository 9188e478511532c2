// The other languages: jsii-pacmak generates the Python, Java, .NET and Go packages' code from the
// compiled assembly (.jsii, made by the compile step that `npm test` runs first). The registries those
// languages build from are not reachable here, so the packages are not built; the Python code is
// compiled with `python3 -m py_compile` and read for the constructs and props the README's Python
// example uses.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
const CONSTRUCTS = ['CanaryService', 'DarkRelease', 'CircuitBreakerPolicy', 'IngressEdge'];

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) { walk(p); } else { out.push(path.relative(dir, p)); }
    }
  };
  walk(dir);
  return out.sort();
}

describe('jsii targets', () => {
  let outdir: string;

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, '.jsii'))) {
      throw new Error('.jsii is missing: compile the library first (npx projen compile)');
    }
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacmak-'));
    // pacmak packs the npm package first: without scripts, so that `prepack` does not compile again
    // (the compile step of `npm test` has just made lib/ and .jsii).
    execFileSync(process.execPath, [require.resolve('jsii-pacmak/bin/jsii-pacmak.js'), '--code-only', '--outdir', outdir], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, npm_config_ignore_scripts: 'true', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '1' },
    });
  }, 240_000);

  afterAll(() => {
    if (outdir) { fs.rmSync(outdir, { recursive: true, force: true }); }
  });

  test('package.json names a package for every language', () => {
    const targets = pkg.jsii.targets;
    expect(targets.python).toEqual({ distName: 'cdk8s-istio-traffic', module: 'cdk8s_istio_traffic' });
    expect(targets.java.package).toBe('io.github.maintainers.cdk8s.istio.traffic');
    expect(targets.java.maven).toEqual({ groupId: 'io.github.maintainers', artifactId: 'cdk8s-istio-traffic' });
    expect(targets.dotnet).toEqual({ namespace: 'Cdk8sIstioTraffic', packageId: 'Cdk8sIstioTraffic' });
    expect(targets.go.moduleName).toBe('github.com/maintainers/cdk8s-istio-traffic-go');
  });

  test('the Python package compiles, exposes the four constructs, and has what the README Python example uses', () => {
    const pyRoot = path.join(outdir, 'python');
    const pyFiles = filesUnder(pyRoot).filter(f => f.endsWith('.py'));
    expect(pyFiles).toContain(path.join('src', 'cdk8s_istio_traffic', '__init__.py'));
    // py_compile exits non-zero (and names the file) on a syntax error.
    execFileSync('python3', ['-m', 'py_compile', ...pyFiles.map(f => path.join(pyRoot, f))], { stdio: 'pipe' });

    // The README's Python example, read with Python's own parser next to the generated module: every
    // name it imports is exported, every keyword argument exists on the class it is given to, every
    // static method it calls exists.
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
    const example = /\n### The same release in Python\n[\s\S]*?```python\n([\s\S]*?)```/.exec(readme);
    expect(example).not.toBeNull();
    const examplePath = path.join(outdir, 'readme_example.py');
    fs.writeFileSync(examplePath, example![1]);
    execFileSync('python3', ['-m', 'py_compile', examplePath], { stdio: 'pipe' });
    const report = execFileSync('python3', ['-c', [
      'import ast, json, sys',
      'module = ast.parse(open(sys.argv[1]).read())',
      'example = ast.parse(open(sys.argv[2]).read())',
      'classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}',
      'exported = []',
      'for n in module.body:',
      '    if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets):',
      '        exported = [e.value for e in n.value.elts]',
      'def methods(c):',
      '    return {f.name: f for f in classes[c].body if isinstance(f, ast.FunctionDef)}',
      'imported = [a.name for n in ast.walk(example) if isinstance(n, ast.ImportFrom) and n.module == "cdk8s_istio_traffic" for a in n.names]',
      'problems = []',
      'calls = []',
      'for n in ast.walk(example):',
      '    if not isinstance(n, ast.Call): continue',
      '    f = n.func',
      '    if isinstance(f, ast.Name) and f.id in classes:',
      '        init = methods(f.id).get("__init__")',
      '        allowed = [a.arg for a in init.args.kwonlyargs + init.args.args] if init else []',
      '        for k in n.keywords:',
      '            calls.append(f.id + "." + k.arg)',
      '            if k.arg not in allowed: problems.append(f.id + "() has no keyword " + k.arg)',
      '    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in classes:',
      '        calls.append(f.value.id + "." + f.attr)',
      '        if f.attr not in methods(f.value.id): problems.append(f.value.id + " has no method " + f.attr)',
      'problems += [name + " is not exported" for name in imported if name not in exported]',
      'print(json.dumps({"exported": exported, "imported": imported, "calls": calls, "problems": problems}))',
    ].join('\n'), path.join(pyRoot, 'src', 'cdk8s_istio_traffic', '__init__.py'), examplePath], { encoding: 'utf-8' });
    const { exported, imported, calls, problems } = JSON.parse(report);
    for (const name of [...CONSTRUCTS, 'TrafficSplit', 'MeshNamespace', 'RoutingSimulator']) {
      expect(exported).toContain(name);
    }
    expect(problems).toEqual([]);
    // The example uses what the TypeScript one does (snake case), so the checks above covered them.
    expect(imported).toEqual(expect.arrayContaining(['CanaryService', 'DeployedVersionOptions', 'MeshNamespace', 'TrafficSplit']));
    expect(calls).toEqual(expect.arrayContaining([
      'CanaryService.port', 'CanaryService.stable', 'CanaryService.canary', 'CanaryService.traffic',
      'DeployedVersionOptions.image', 'TrafficSplit.canary_percent',
    ]));
    // The Python package embeds the npm package it runs.
    const tarballs = filesUnder(pyRoot).filter(f => f.endsWith('.tgz'));
    expect(tarballs).toEqual([path.join('src', 'cdk8s_istio_traffic', '_jsii', `cdk8s-istio-traffic@${pkg.version}.jsii.tgz`)]);
  });

  test('Java, .NET and Go code is generated under the configured names', () => {
    const java = filesUnder(path.join(outdir, 'java'));
    const pom = fs.readFileSync(path.join(outdir, 'java', 'pom.xml'), 'utf-8');
    expect(pom).toMatch(/<groupId>io\.github\.maintainers<\/groupId>\s*<artifactId>cdk8s-istio-traffic<\/artifactId>/);
    const dotnet = filesUnder(path.join(outdir, 'dotnet'));
    const go = filesUnder(path.join(outdir, 'go'));
    const goMod = fs.readFileSync(path.join(outdir, 'go', 'cdk8sistiotraffic', 'go.mod'), 'utf-8');
    expect(goMod).toMatch(/^module github\.com\/maintainers\/cdk8s-istio-traffic-go\/cdk8sistiotraffic$/m);
    for (const name of CONSTRUCTS) {
      expect(java).toContain(path.join('src', 'main', 'java', 'io', 'github', 'maintainers', 'cdk8s', 'istio', 'traffic', `${name}.java`));
      expect(dotnet).toContain(path.join('Cdk8sIstioTraffic', 'Cdk8sIstioTraffic', `${name}.cs`));
      expect(go).toContain(path.join('cdk8sistiotraffic', `${name}.go`));
    }
  });
});
