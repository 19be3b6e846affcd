/**
 * Applications built on the library, run by the CLI: the Fashion-MNIST demo ({@code apps.train}),
 * studies that reproduce a paper's table ({@code apps.profile}: TRT-ViT's Table 1) and the README's
 * model table writer ({@code apps.readme}). Nothing here is library API; the library
 * ({@code hybridvit-core}) never depends on it.
 */
package dev.hybridvit.apps;
