/**
 * What every model reader shares: the module tree's limits and its one integrity check, the
 * catalogue interface the readers need, and a safe way to set user-named keys.
 */
import { InputError, type Loc } from "../errors.js";
import { tooDeep } from "../python/parse.js";
import type { ModuleSpec } from "./types.js";

/** What the readers need to know about the layer catalogue (src/analysis/layers). */
export interface LayerCatalogue {
  /** Whether `name` is a PyTorch module class dlq knows (`Conv2d`, `ReLU`, …). */
  isKnownLayer: (name: string) => boolean;
  /** All known class names (for "did you mean" suggestions). */
  knownLayers: () => Iterable<string>;
}

/** Containers the readers build themselves (not in the layer catalogue). */
export const CONTAINER_TYPES = ["Sequential", "ModuleList", "ModuleDict"] as const;

/** Nested containers in a model (any form), and nesting of tuples/lists used as values. */
export const MAX_MODULE_DEPTH = 200;

/**
 * Sets `obj[key] = value` as an own, enumerable property, even for keys such as `__proto__`
 * (user-supplied argument names must never change an object's prototype).
 */
export function setKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Refuses a model tree that nests more than {@link MAX_MODULE_DEPTH} containers deep or that
 * contains itself (`model.append(model)`), so that every later walk over it is bounded. Iterative.
 * @throws InputError located at `where`.
 */
export function checkModuleTree(root: ModuleSpec, where: Loc | string): void {
  // Depth-first with an explicit stack; `onPath` holds the containers above the current one.
  const onPath = new Set<ModuleSpec>();
  const stack: { m: ModuleSpec; next: number }[] = [];
  const done = new Set<ModuleSpec>();
  const enter = (m: ModuleSpec): void => {
    if (m.kind === "layer" || done.has(m)) return;
    if (onPath.has(m))
      throw new InputError("the model contains itself (a cycle of containers)", m.loc ?? where);
    if (stack.length >= MAX_MODULE_DEPTH) {
      throw tooDeep(`more than ${MAX_MODULE_DEPTH} nested containers`, m.loc ?? where);
    }
    onPath.add(m);
    stack.push({ m, next: 0 });
  };
  enter(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const c = top.m as Exclude<ModuleSpec, { kind: "layer" }>;
    if (top.next < c.children.length) enter(c.children[top.next++].module);
    else {
      stack.pop();
      onPath.delete(c);
      done.add(c);
    }
  }
}
