package dev.hybridvit.nn;

import dev.hybridvit.tensor.Printable;
import java.util.List;

/** What a state-dict load found: keys the model needs but the source lacks, extra keys, shape clashes. */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched) {
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** One line per problem kind, naming the first offender and how many there are. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        append(sb, "missing key", "missing keys", missing);
        append(sb, "unexpected key", "unexpected keys", unexpected);
        append(sb, "shape mismatch", "shape mismatches", mismatched);
        return sb.length() == 0 ? "all keys matched" : sb.toString().trim();
    }

    private static void append(StringBuilder sb, String one, String many, List<String> items) {
        if (items.isEmpty()) return;
        sb.append(items.size())
                .append(' ')
                .append(items.size() > 1 ? many : one)
                .append(" (first: ")
                .append(Printable.escape(items.get(0)))
                .append(")\n");
    }
}
