package dev.hybridvit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layering of the project, checked on the compiled classes of the library and the CLI
 * (main code only): {@code tensor} ← {@code nn} ← {@code models} ← the library's services ←
 * {@code apps} ← {@code cli}, where an arrow points from a package to one it may use. Higher layers
 * may skip layers; lower layers never use higher ones. The services ({@code weights}, {@code export},
 * {@code infer}, {@code profile}, {@code data}, {@code train}) may use each other, as long as no two
 * packages form a cycle. {@code docs/architecture.md} explains the layers.
 *
 * <p>A new top-level package fails this test until it is given a layer here.
 */
@AnalyzeClasses(
        packages = "dev.hybridvit",
        importOptions = {ImportOption.DoNotIncludeTests.class, LayeringTest.NoTestJars.class})
class LayeringTest {
    private static final String TENSOR = "dev.hybridvit.tensor..",
            NN = "dev.hybridvit.nn..",
            MODELS = "dev.hybridvit.models..",
            APPS = "dev.hybridvit.apps..",
            CLI = "dev.hybridvit.cli..";
    /** The library's services on top of the models. */
    private static final String[] SERVICES = {
        "dev.hybridvit.weights..",
        "dev.hybridvit.export..",
        "dev.hybridvit.infer..",
        "dev.hybridvit.profile..",
        "dev.hybridvit.data..",
        "dev.hybridvit.train.."
    };

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("dev.hybridvit.(*)..").namingSlices("$1").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layersPointDown = layeredArchitecture()
            .consideringAllDependencies()
            .layer("tensor")
            .definedBy(TENSOR)
            .layer("nn")
            .definedBy(NN)
            .layer("models")
            .definedBy(MODELS)
            .layer("services")
            .definedBy(SERVICES)
            .layer("apps")
            .definedBy(APPS)
            .layer("cli")
            .definedBy(CLI)
            .whereLayer("cli")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("apps")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("services")
            .mayOnlyBeAccessedByLayers("apps", "cli")
            .whereLayer("models")
            .mayOnlyBeAccessedByLayers("services", "apps", "cli")
            .whereLayer("nn")
            .mayOnlyBeAccessedByLayers("models", "services", "apps", "cli")
            .ensureAllClassesAreContainedInArchitecture();

    /**
     * DJL's engine layer ({@code ai.djl.engine}: engine lookup, seeding, gradient collectors) and the
     * PyTorch engine's own classes ({@code ai.djl.pytorch}: JNI calls, {@code PtNDArray}) are used
     * behind {@code tensor} and {@code nn} only; everything above works with DJL's array API
     * ({@code NDArray}, {@code NDManager}), so a change of engine or engine version touches two packages.
     */
    @ArchTest
    static final ArchRule engineBehindTensorAndNn = noClasses()
            .that()
            .resideOutsideOfPackages(TENSOR, NN)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("ai.djl.engine..", "ai.djl.pytorch..");

    /** Leaves out the core module's test jar (its classes are tests, not the library). */
    static final class NoTestJars implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("-tests.jar");
        }
    }
}
