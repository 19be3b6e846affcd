package dev.hybridvit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference folder comes from the system property or the environment variable, nowhere else. */
class ReferenceCaseTest {
    @TempDir
    Path tmp;

    @Test
    void thePropertyWinsOverTheVariable() throws IOException {
        Path a = Files.createDirectory(tmp.resolve("a")), b = Files.createDirectory(tmp.resolve("b"));
        assertThat(ReferenceCase.directory(a.toString(), b.toString())).isEqualTo(a);
        assertThat(ReferenceCase.directory(null, b.toString())).isEqualTo(b);
        assertThat(ReferenceCase.directory(tmp.resolve("missing").toString(), b.toString()))
                .isEqualTo(b);
    }

    @Test
    void failsNamingBothSourcesWhenNeitherIsAFolder() throws IOException {
        Path file = Files.writeString(tmp.resolve("file.json"), "{}");
        assertThatThrownBy(() -> ReferenceCase.directory(null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("-D" + ReferenceCase.DIR_PROPERTY + " (not set)")
                .hasMessageContaining(ReferenceCase.DIR_VARIABLE + " (not set)");
        assertThatThrownBy(() -> ReferenceCase.directory(tmp.resolve("missing").toString(), file.toString()))
                .hasMessageContaining("missing', does not exist")
                .hasMessageContaining("file.json', not a folder");
    }

    @Test
    void theBuildNamesAnExistingFolder() {
        assertThat(ReferenceCase.directory()).isDirectory();
        assertThat(ReferenceCase.all()).isNotEmpty();
    }
}
