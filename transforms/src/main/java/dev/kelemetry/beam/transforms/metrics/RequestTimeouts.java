package dev.kelemetry.beam.transforms.metrics;

import static dev.kelemetry.beam.transforms.parse.RequestUris.queryParameter;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The timeout a client gave its request: {@code ?timeout=} in Go's duration syntax ({@code 32s}, {@code 1m0s},
 * {@code 500ms}), else {@code ?timeoutSeconds=} (lists and watches).
 */
public final class RequestTimeouts {
  private RequestTimeouts() {}

  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  /** The request's own timeout in seconds, or NaN when it names none or names it in a form we cannot read. */
  public static double seconds(String requestUri) {
    String timeout = queryParameter(requestUri, "timeout");
    if (timeout != null) {
      return goDurationSeconds(timeout);
    }
    String seconds = queryParameter(requestUri, "timeoutSeconds");
    if (seconds != null) {
      try {
        return Long.parseLong(seconds);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** Go's {@code time.ParseDuration} for non-negative values: a sequence of number+unit parts; NaN if malformed. */
  static double goDurationSeconds(String text) {
    if (text.equals("0")) {
      return 0;
    }
    Matcher m = GO_DURATION_PART.matcher(text);
    double total = 0;
    int at = 0;
    while (at < text.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      total += n * switch (m.group(2)) {
        case "ns" -> 1e-9;
        case "us", "µs" -> 1e-6;
        case "ms" -> 1e-3;
        case "s" -> 1;
        case "m" -> 60;
        default -> 3600;
      };
      at = m.end();
    }
    return at == text.length() && at > 0 ? total : Double.NaN;
  }
}
