package dev.hybridvit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's Java code block is the text between QuickStart's {@code readme} markers, so it cannot drift from code that compiles and runs. */
class ReadmeExampleTest {
    private static final String BEGIN = "// readme:begin", END = "// readme:end";

    @Test
    void readmeShowsQuickStart() throws IOException {
        Path root = projectRoot();
        List<String> source =
                Files.readAllLines(root.resolve("examples/src/main/java/dev/hybridvit/examples/QuickStart.java"));
        List<String> readme = Files.readAllLines(root.resolve("README.md"));

        List<String> blocks = javaBlocks(readme);
        assertThat(blocks).as("```java blocks in README.md").hasSize(1);
        assertThat(blocks.get(0)).isEqualTo(snippet(source));
    }

    /** The lines between the markers, with their common indentation removed. */
    static String snippet(List<String> source) {
        int begin = indexOfTrimmed(source, BEGIN), end = indexOfTrimmed(source, END);
        assertThat(begin).as("QuickStart has " + BEGIN).isNotNegative();
        assertThat(end).as("QuickStart has " + END + " after " + BEGIN).isGreaterThan(begin);
        List<String> lines = source.subList(begin + 1, end);
        int indent = lines.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        return sb.toString();
    }

    /** The contents of every fenced block that opens with ```java. */
    static List<String> javaBlocks(List<String> markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : markdown) {
            if (current == null) {
                if (line.strip().equals("```java")) current = new StringBuilder();
            } else if (line.strip().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    private static int indexOfTrimmed(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).strip().equals(marker)) return i;
        return -1;
    }

    /** The folder holding the parent pom and README.md, searched upwards from the working directory. */
    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("examples"))) return p;
        }
        throw new IllegalStateException(
                "README.md not found above " + Path.of("").toAbsolutePath());
    }
}
