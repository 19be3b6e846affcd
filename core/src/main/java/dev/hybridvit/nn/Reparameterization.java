package dev.hybridvit.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * The one deploy path (timm's {@code reparameterize_model}): switches a module tree to eval mode
 * and calls {@link Reparameterizable#reparameterize()} on every module that has an inference
 * form, children before parents, so a parent folds into layers its children have already folded.
 * The ONNX exporter runs it too, so the eager deploy form and the exported deploy graph compute
 * the same function.
 */
public final class Reparameterization {
    private Reparameterization() {}

    /** Reparameterises {@code root} and everything below it, in place; returns how many modules folded something. */
    public static int apply(Module root) {
        root.setTraining(false);
        List<Module> postOrder = new ArrayList<>(root.namedModules().values());
        java.util.Collections.reverse(postOrder); // depth-first pre-order reversed: children before their parent
        int n = 0;
        for (Module m : postOrder) {
            if (m instanceof Reparameterizable r) {
                r.reparameterize();
                n++;
            }
        }
        return n;
    }
}
