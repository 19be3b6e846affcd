package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Group normalisation ({@code nn.GroupNorm(groups, C, eps)}, Wu and He, ECCV 2018) of B×C×H×W
 * maps: each sample's channels split into groups, each group normalised over its channels and
 * positions, then a per-channel affine. With one group it is PoolFormer's norm, a LayerNorm over
 * C, H and W together. Keys {@code weight}, {@code bias}.
 */
public final class GroupNorm extends Module {
    public final int groups, channels;
    public final double eps;
    private final Parameter weight, bias;

    public GroupNorm(int groups, int channels, double eps) {
        if (groups < 1 || channels % groups != 0)
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        NDArray grouped = x.reshape(shape.get(0), groups, -1);
        NDArray centered = grouped.sub(grouped.mean(new int[] {2}, true));
        NDArray variance = centered.square().mean(new int[] {2}, true);
        NDArray normalized = centered.div(variance.add(eps).sqrt()).reshape(shape);
        return normalized
                .mul(weight.value().reshape(channels, 1, 1))
                .add(bias.value().reshape(channels, 1, 1));
    }
}
