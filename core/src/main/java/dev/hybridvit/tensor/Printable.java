package dev.hybridvit.tensor;

/**
 * Text read from a file (tensor names, dict keys, class names, model names), made safe to print:
 * control characters, including ESC and newlines, become visible escapes ({@code \e}, {@code \n},
 * {@code \u0085}), so a hostile name cannot move the cursor, rewrite a line or fake a result.
 */
public final class Printable {
    private Printable() {}

    /** {@code text} with every control and line/paragraph-separator character escaped; null as "null". */
    public static String escape(CharSequence text) {
        if (text == null) return "null";
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u202e';
            if (unsafe && out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
            if (out == null) continue;
            if (!unsafe) out.append(c);
            else if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else if (c == 0x1b) out.append("\\e");
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out == null ? text.toString() : out.toString();
    }
}
