package dev.kelemetry.beam.transforms.parse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** What an audit event's {@code requestURI} says beyond the object: its query parameters. */
public final class RequestUris {
  private RequestUris() {}

  /** A query parameter's decoded value, {@code ""} when it has no {@code =}, or null when the URI has none. */
  public static String queryParameter(String requestUri, String name) {
    int query = requestUri == null ? -1 : requestUri.indexOf('?');
    if (query < 0) {
      return null;
    }
    for (String param : requestUri.substring(query + 1).split("&")) {
      int eq = param.indexOf('=');
      String key = eq < 0 ? param : param.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
