package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.tensor.Tensors;

/**
 * Resolution change of CMT's relative position bias B (heads × N × Nk): one learned logit offset
 * per head, per query position of the N = q×q token grid and per key position of the Nk = k×k
 * reduced key/value grid. The official model never resizes it (it is locked to its build
 * resolution); this is the project's extension, done the way timm resizes relative-position
 * tables: {@code F.interpolate(mode='bicubic', align_corners=False)} (libtorch's bicubic, Keys
 * kernel a = −0.75, edge-clamped, computed in float32), applied over the two grids in turn:
 *
 * <ol>
 *   <li><b>query grid</b>: B → (heads, Nk, q, q), i.e. each (head, key) pair is one channel
 *       holding a q×q map over query positions, resized to q'×q' → (heads, N', Nk);</li>
 *   <li><b>key grid</b>: → (heads, N', k, k), each (head, query) pair a channel with a k×k map
 *       over key positions, resized to k'×k' → (heads, N', Nk').</li>
 * </ol>
 *
 * A step whose grid does not change is skipped, so resizing to the same size returns a
 * bit-identical copy. Both grids are square and raster-ordered (index = row·side + col), as the
 * model's tokens are.
 */
public final class RelativePositionBias {
    /** DJL's code for bicubic interpolation ({@code Image.Interpolation.BICUBIC}); libtorch uses align_corners=false. */
    private static final int BICUBIC = 3;

    private RelativePositionBias() {}

    /** The bias shape for {@code heads} heads on a q×q query grid and a k×k key grid. */
    public static Shape shape(int heads, int queryGrid, int keyGrid) {
        return new Shape(heads, (long) queryGrid * queryGrid, (long) keyGrid * keyGrid);
    }

    /**
     * Resizes {@code bias} (heads × q² × k²) to heads × q'² × k'² as described in the class comment.
     * The result is a new array in {@code bias}'s manager, detached from any gradient graph; the
     * caller owns it. The source grids are read off the shape (both must be perfect squares).
     */
    public static NDArray resize(NDArray bias, int newQueryGrid, int newKeyGrid) {
        Shape s = bias.getShape();
        if (s.dimension() != 3) throw new IllegalArgumentException("relative position bias must be heads×N×Nk, got " + s);
        if (newQueryGrid < 1 || newKeyGrid < 1) {
            throw new IllegalArgumentException("grid sides must be positive, got " + newQueryGrid + " and " + newKeyGrid);
        }
        long heads = s.get(0);
        int q = side(s.get(1), "query"), k = side(s.get(2), "key");
        // intermediates live in a scope that closes on return; only the result moves to bias's manager
        return Tensors.scoped(bias, b -> {
            NDArray out = b.stopGradient().duplicate();
            int qq = q;
            if (qq != newQueryGrid) {
                // (h, N, Nk) → (h, Nk, q, q) → bicubic → (h, Nk, q', q') → (h, N', Nk)
                NDArray resized = bicubic(out.transpose(0, 2, 1).reshape(heads, (long) k * k, qq, qq), newQueryGrid);
                long n = (long) newQueryGrid * newQueryGrid;
                // flattening the transposed view copies it into raster order (a contiguous array)
                out = resized.reshape(heads, (long) k * k, n).transpose(0, 2, 1).reshape(-1).reshape(heads, n, (long) k * k);
                qq = newQueryGrid;
            }
            if (k != newKeyGrid) {
                // (h, N', Nk) → (h, N', k, k) → bicubic → (h, N', k', k') → (h, N', Nk')
                NDArray resized = bicubic(out.reshape(heads, (long) qq * qq, k, k), newKeyGrid);
                out = resized.reshape(heads, (long) qq * qq, (long) newKeyGrid * newKeyGrid);
            }
            return out;
        });
    }

    /** Bicubic resize of the last two axes of a 4-D array to side×side (libtorch, align_corners=false). */
    static NDArray bicubic(NDArray x, int side) {
        return x.getNDArrayInternal().interpolation(new long[] {side, side}, BICUBIC, false);
    }

    static int side(long n, String what) {
        int r = (int) Math.round(Math.sqrt(n));
        if ((long) r * r != n) throw new IllegalArgumentException(what + " grid of " + n + " positions is not square");
        return r;
    }
}
