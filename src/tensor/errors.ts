/**
 * The error every tensor operation throws on invalid input.
 *
 * Validation happens once, at the op boundary (shapes, dims, parameter ranges); inner loops assume
 * valid input. Messages follow PyTorch's wording where PyTorch has one, and name the shapes
 * involved, e.g. `mat1 and mat2 shapes cannot be multiplied (100x5 and 4x5)`.
 *
 * A {@link TensorError} is an {@link InputError}: when a user's spec or data causes it, the CLI
 * reports it on one line and exits 2.
 */
import { InputError } from "../errors.js";

export class TensorError extends InputError {
  constructor(message: string, where?: string) {
    super(message, where);
    this.name = "TensorError";
  }
}
