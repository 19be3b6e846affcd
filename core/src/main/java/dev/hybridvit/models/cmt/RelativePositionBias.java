package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.tensor.Tensors;

/**
 * Resolution change of CMT's relative position bias B (heads × N × Nk): one learned logit offset
 * per head, per query position of the N = q×q token grid and per key position of the Nk = k×k
 * reduced key/value grid. The official model never resizes it (it is locked to its build
 * resolution); this is the project's extension, done the way timm resizes relative-position
 * tables: {@code F.interpolate(mode='bicubic', align_corners=False)} without antialiasing (Keys
 * cubic kernel a = −0.75, taps clamped at the border; see {@link #bicubicMatrix}), applied over
 * the two grids in turn:
 *
 * <ol>
 *   <li><b>query grid</b>: B → (heads, Nk, q, q), i.e. each (head, key) pair is one channel
 *       holding a q×q map over query positions, resized to q'×q' → (heads, N', Nk);</li>
 *   <li><b>key grid</b>: → (heads, N', k, k), each (head, query) pair a channel with a k×k map
 *       over key positions, resized to k'×k' → (heads, N', Nk').</li>
 * </ol>
 *
 * Each 2-D resize is the separable linear map W·X·Wᵀ with the 1-D interpolation matrix W (float32
 * matmuls, so results agree with libtorch's kernel to float rounding, ~1e-7 relative). DJL's own
 * {@code interpolation} is not used: its libtorch call enables antialiasing, which for bicubic
 * switches to a = −0.5 with renormalised border weights — not what timm does. A step whose grid
 * does not change is skipped, so resizing to the same size returns a bit-identical copy. Both
 * grids are square and raster-ordered (index = row·side + col), as the model's tokens are.
 */
public final class RelativePositionBias {
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
        if (s.dimension() != 3)
            throw new IllegalArgumentException("relative position bias must be heads×N×Nk, got " + s);
        if (newQueryGrid < 1 || newKeyGrid < 1) {
            throw new IllegalArgumentException(
                    "grid sides must be positive, got " + newQueryGrid + " and " + newKeyGrid);
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
                out = resized.reshape(heads, (long) k * k, n)
                        .transpose(0, 2, 1)
                        .reshape(-1)
                        .reshape(heads, n, (long) k * k);
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

    /**
     * Bicubic resize of the last two axes of {@code x} (…×n×n) to side×side, as the separable
     * linear map Y = W·X·Wᵀ with W = {@link #bicubicMatrix}(n, side). Written with X as the first
     * operand of each product: X·Wᵀ resizes the columns, then the same on the transposed result.
     */
    static NDArray bicubic(NDArray x, int side) {
        Shape s = x.getShape();
        int n = (int) s.get(s.dimension() - 1);
        if (s.get(s.dimension() - 2) != n) throw new IllegalArgumentException("grid must be square, got " + s);
        int last = s.dimension() - 1;
        NDArray wt = x.getManager().create(transpose(bicubicMatrix(n, side), side, n), new Shape(n, side));
        NDArray cols = x.matMul(wt); // …×n(rows)×side(cols)
        NDArray rows = cols.swapAxes(last - 1, last).matMul(wt); // …×side(cols)×side(rows)
        return rows.swapAxes(last - 1, last);
    }

    /**
     * The m×n matrix (row-major) of PyTorch's {@code upsample_bicubic2d} along one axis with
     * {@code align_corners=False} and no antialiasing — what {@code F.interpolate(mode='bicubic')}
     * and timm use: output o samples the input at s = (n/m)·(o + ½) − ½; with i = ⌊s⌋ and t = s − i,
     * taps i−1 … i+2 get the Keys cubic-convolution weights for a = −0.75, and taps outside
     * [0, n−1] are clamped to the border (their weight adds to the edge sample). Computed in
     * double, cast to float32 once.
     */
    static float[] bicubicMatrix(int n, int m) {
        double a = -0.75, scale = (double) n / m;
        float[] w = new float[m * n];
        for (int o = 0; o < m; o++) {
            double src = scale * (o + 0.5) - 0.5;
            int i = (int) Math.floor(src);
            double t = src - i;
            double[] taps = {
                ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                ((a + 2) * t - (a + 3)) * t * t + 1,
                ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a
            };
            double[] row = new double[n];
            for (int j = 0; j < 4; j++) row[Math.min(Math.max(i - 1 + j, 0), n - 1)] += taps[j];
            for (int c = 0; c < n; c++) w[o * n + c] = (float) row[c];
        }
        return w;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    static int side(long n, String what) {
        int r = (int) Math.round(Math.sqrt(n));
        if ((long) r * r != n) throw new IllegalArgumentException(what + " grid of " + n + " positions is not square");
        return r;
    }
}
