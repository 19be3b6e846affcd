/**
 * TRT-ViT (Xia et al., "TRT-ViT: TensorRT-oriented Vision Transformer", arXiv 2205.09579) and the
 * paper's MixNet experiment models, as <b>this project's documented reconstruction</b>: there is
 * no official code and the paper's variant table could not be obtained, so every choice
 * that fills a gap is written down here and in the block classes, for a user with the paper to
 * adjust {@link dev.hybridvit.models.trtvit.TRTViTConfig}.
 *
 * <h2>Facts followed (TRT-ViT paper, §3)</h2>
 * <ul>
 *   <li>Four guidelines: Transformers in late stages; shallow-early/deep-late stages; a
 *       Transformer/BottleNeck mix is denser than a Transformer; global-then-local inside a block.</li>
 *   <li>Final models: pattern {@code C-C-C-M} (MixBlock-C only in the last stage), R = 0.5, a
 *       ResNet-like pyramid; Transformer parts with LN + GELU, MLP ratio 3, head dim 32;
 *       BottleNecks with BN + ReLU.</li>
 *   <li>MixNetV = ResNet-50 with Transformers in place of late BottleNecks; Refined-MixNetV =
 *       fewer early blocks, more in the deepest stage; MixNet-A/B/C = MixNetV with MixBlock A
 *       (parallel), B (serial, local then global), C (serial, global then local) in place of its
 *       Transformers.</li>
 *   <li>TRT-ViT-C ≈ 65 M parameters (the backbone size implied by its Semantic-FPN 70.6 M and
 *       Mask R-CNN 86.3 M totals).</li>
 * </ul>
 *
 * <h2>Choices (reconstruction)</h2>
 * <ul>
 *   <li>Stem: ResNet's 7×7/2 conv + BN + ReLU + 3×3/2 max pool, width 64.</li>
 *   <li>BottleNeck: torchvision ResNet v1.5 (expansion 4, stride on the 3×3, strided 1×1 projection
 *       shortcut), keys as torchvision.</li>
 *   <li>Transformer: pre-norm, PVT attention ({@code q}, fused {@code kv}, {@code proj}, bias),
 *       K/V reduction by an sr×sr/sr conv + LN as PVT (ratios 8/4/2/1, limited to divide the map
 *       of any input divisible by 32; registered models only use sr = 1 because their
 *       Transformers sit in stage 4), LN eps 1e-6, no positional embedding; on a width or
 *       resolution change a 2×2 average pool + 1×1 conv + BN projection in front.</li>
 *   <li>MixBlocks: see {@link dev.hybridvit.models.trtvit.MixBlockA}, {@link dev.hybridvit.models.trtvit.MixBlockB},
 *       {@link dev.hybridvit.models.trtvit.MixBlockC}; no outer residual; B is C with the operators
 *       swapped (identical layers at R = 0.5).</li>
 *   <li>Head: BN (only when the last stage holds Transformers) → global average pool → Linear.</li>
 *   <li>Widths 256/512/1024/2048 (ResNet-50) for every registered model; depths and drop-path
 *       rates below. The MixNets put their Transformers / MixBlocks in stage 4 only.</li>
 * </ul>
 *
 * <h2>Registered variants (224×224, 1000 classes)</h2>
 * <table>
 *   <caption>depths per stage, parameters, multiply-accumulates</caption>
 *   <tr><th>model</th><th>pattern</th><th>depths</th><th>params</th><th>GMACs</th><th>drop-path</th></tr>
 *   <tr><td>trtvit_a</td><td>C-C-C-M</td><td>2-3-4-2</td><td>34.39 M</td><td>3.71</td><td>0.1</td></tr>
 *   <tr><td>trtvit_b</td><td>C-C-C-M</td><td>2-3-5-3</td><td>49.22 M</td><td>4.60</td><td>0.1</td></tr>
 *   <tr><td>trtvit_c</td><td>C-C-C-M</td><td>2-3-6-4</td><td>64.06 M</td><td>5.50</td><td>0.2</td></tr>
 *   <tr><td>trtvit_d</td><td>C-C-C-M</td><td>2-3-10-6</td><td>95.95 M</td><td>7.72</td><td>0.3</td></tr>
 *   <tr><td>mixnetv</td><td>C-C-C-T</td><td>3-4-6-3</td><td>138.60 M</td><td>9.58</td><td>0.1</td></tr>
 *   <tr><td>mixnetv_refined</td><td>C-C-C-T</td><td>2-3-6-4</td><td>180.22 M</td><td>11.21</td><td>0.1</td></tr>
 *   <tr><td>mixnet_a</td><td>C-C-C-A</td><td>3-4-6-3</td><td>47.54 M</td><td>5.10</td><td>0.1</td></tr>
 *   <tr><td>mixnet_b</td><td>C-C-C-B</td><td>3-4-6-3</td><td>50.69 M</td><td>5.26</td><td>0.1</td></tr>
 *   <tr><td>mixnet_c</td><td>C-C-C-M</td><td>3-4-6-3</td><td>50.69 M</td><td>5.26</td><td>0.1</td></tr>
 * </table>
 * TRT-ViT-C uses Refined-MixNetV's depths with MixBlock-C, the paper's path from MixNetV to its
 * final model. The all-{@code C} pattern with ResNet-50 depths is torchvision's ResNet-50 exactly
 * (25,557,032 parameters, 4.089 GMACs), which the tests check.
 */
package dev.hybridvit.models.trtvit;
