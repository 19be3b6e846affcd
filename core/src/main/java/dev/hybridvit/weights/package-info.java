/**
 * Weights I/O: reading checkpoints from the official repositories and the timm hub, saving and
 * resuming our own, exporting for PyTorch.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link dev.hybridvit.weights.WeightsLoader#load(dev.hybridvit.models.VisionModel, java.nio.file.Path,
 *       dev.hybridvit.weights.WeightsLoader.Options)} — any supported file into a built model, strict
 *       by default, with key-naming detection, classifier reset and the family's shape adapter.</li>
 *   <li>{@link dev.hybridvit.weights.WeightsLoader#createModel(java.nio.file.Path, long)} — rebuild the
 *       model one of our checkpoints names and load it.</li>
 *   <li>{@link dev.hybridvit.weights.Weights#read(java.nio.file.Path, ai.djl.ndarray.NDManager)} — the raw
 *       state dict of any supported file (format recognised from content).</li>
 *   <li>{@link dev.hybridvit.weights.Checkpoint} — our training checkpoint (safetensors + metadata,
 *       optimizer and EMA sections), written atomically.</li>
 *   <li>{@link dev.hybridvit.weights.WeightsExport} — official (or timm) names to .safetensors, .pth or .npz.</li>
 * </ul>
 *
 * <h2>Safety of .pth files</h2>
 * A {@code .pth} is a pickle, i.e. a program. {@link dev.hybridvit.weights.SafeUnpickler} runs
 * Pyrolite's opcode machine but resolves every global through an allow-list (OrderedDict, the
 * torch tensor-rebuild functions, torch storage types, argparse.Namespace as inert data) and refuses
 * anything else by name; no Python is run and no Java class is instantiated by name.
 *
 * <h2>Key names</h2>
 * Our names are the official PyTorch names. {@link dev.hybridvit.weights.KeyNaming} holds the other
 * conventions as a table of renames; timm's per-stage block numbering is converted with the blocks
 * per stage of the target model (as its {@link dev.hybridvit.models.VisionModel#blocks()} lists them),
 * cross-checked against the file.
 *
 * <h2>Resolution changes (CMT)</h2>
 * CMT's {@code relative_pos_*} bias is sized by the image resolution. The model's
 * {@link dev.hybridvit.models.VisionModel#adaptStateDict} hook is called after renaming and before
 * the shape check, and can interpolate it; the CMT family supplies that resize. Without it, loading a CMT
 * checkpoint at another resolution fails strictly with the mismatched {@code relative_pos_*} keys.
 */
package dev.hybridvit.weights;
