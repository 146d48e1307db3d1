/**
 * InputError's brand: the built CLI is two bundles (scripts/build.js), each with its own copy of
 * src/errors.ts, and an InputError thrown by the heavy bundle's copy is caught by the core's
 * `instanceof InputError`. A second instance of the module (a query string makes Vite load it
 * again) stands for the other bundle's copy.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { TensorError } from "../src/tensor/errors.js";

describe("InputError across copies of its module", () => {
  it("an InputError of another copy is an InputError here, and the reverse", async () => {
    // @ts-expect-error: a query string has no type declaration
    const copy = (await import("../src/errors.ts?copy")) as typeof import("../src/errors.js");
    expect(copy.InputError).not.toBe(InputError);
    const theirs = new copy.InputError("bad", "layer 3 (Conv2d)");
    expect(theirs instanceof InputError).toBe(true);
    expect(new InputError("bad") instanceof copy.InputError).toBe(true);
    expect(theirs.toLine()).toBe("layer 3 (Conv2d): bad");
  });

  it("subclasses are InputErrors; an InputError is not a subclass; other errors are not", () => {
    const t = new TensorError("shape mismatch");
    expect(t instanceof InputError).toBe(true);
    expect(t instanceof TensorError).toBe(true);
    expect(new InputError("x") instanceof TensorError).toBe(false);
    for (const v of [new Error("x"), { message: "x", where: "y" }, null, undefined, "x", 3]) {
      expect(v instanceof InputError).toBe(false);
    }
  });
});
