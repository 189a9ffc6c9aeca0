// Loads only the parts of @kubernetes/client-node that the operator uses. Its KubeConfig module
// (dist/config.js) imports the generated index (dist/gen/index.js) for two names, and that index
// loads every generated API and all 2,742 models with their serializer: about 40 MiB of resident
// memory on Node 24, a fifth of the budget at 10,000 objects, for code the operator never runs
// (it talks to the API server through rest.ts, not through generated API classes).
// Installed by main.ts before anything loads client-node, this resolves that one import to
// lean-gen.ts, which re-exports the same two functions from the same files. Anything else that
// imports the index (tests, tools, a future adapter) still gets all of it, with the same
// functions. If client-node's config.js ever needs another name, loading fails at start-up with
// "does not provide an export named", and test/tools/adapters/kubernetes/lean-load.test.ts fails
// first.
import { registerHooks } from 'node:module';

const CONFIG_MODULE = '/@kubernetes/client-node/dist/config.js';
const GENERATED_INDEX = './gen/index.js';
const LEAN_INDEX = new URL(import.meta.url.endsWith('.ts') ? './lean-gen.ts' : './lean-gen.js', import.meta.url).href;

let installed = false;

/** Installs the redirection once per process; call it before client-node is first imported. */
export function loadKubernetesClientLean(): void {
  if (installed) return;
  installed = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === GENERATED_INDEX && context.parentURL?.endsWith(CONFIG_MODULE))
        return { url: LEAN_INDEX, shortCircuit: true };
      return next(specifier, context);
    },
  });
}
