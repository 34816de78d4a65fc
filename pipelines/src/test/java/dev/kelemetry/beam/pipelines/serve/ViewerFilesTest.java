package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/** The viewer's files beside the API on one server: their bytes and content types, and the API's paths untouched. */
public class ViewerFilesTest {
  private static JaegerServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeClass
  public static void serveAnEmptyStore() throws Exception {
    server = JaegerServer.start(LocalSpans.fixed(new SpanStore(List.of())), "127.0.0.1", 0);
  }

  @AfterClass
  public static void stopServing() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  public void eachFileIsServedUnderViewerWithItsContentTypeAndTheIndexAtTheRoot() throws Exception {
    for (Map.Entry<String, String> file : ViewerFiles.FILES.entrySet()) {
      HttpResponse<byte[]> response = get("/viewer/" + file.getKey());
      assertThat(file.getKey(), response.statusCode(), equalTo(200));
      assertThat(file.getKey(), response.headers().firstValue("Content-Type").orElse(""), equalTo(file.getValue()));
      assertThat(file.getKey(), response.body(), equalTo(resource(file.getKey())));
    }
    HttpResponse<byte[]> root = get("/");
    assertThat(root.headers().firstValue("Content-Type").orElse(""), equalTo("text/html; charset=utf-8"));
    assertThat(root.body(), equalTo(resource("index.html")));
  }

  @Test
  public void thePageLoadsOnlyItsOwnFilesSoItWorksOffline() throws Exception {
    String index = new String(resource("index.html"));
    Matcher refs = Pattern.compile("(?:src|href)=\"([^\"#]+)\"").matcher(index);
    TreeSet<String> loaded = new TreeSet<>();
    while (refs.find()) {
      loaded.add(refs.group(1));
    }
    assertThat(loaded, equalTo(new TreeSet<>(List.of("/viewer/viewer.css", "/viewer/viewer.js"))));
    for (String name : ViewerFiles.FILES.keySet()) {
      String text = new String(resource(name));
      assertThat(name, text, not(containsString("http://")));
      assertThat(name, text, not(containsString("https://")));
    }
  }

  @Test
  public void otherPathsStayTheApis() throws Exception {
    HttpResponse<byte[]> services = get("/api/services");
    assertThat(services.statusCode(), equalTo(200));
    assertThat(services.headers().firstValue("Content-Type").orElse(""), equalTo("application/json"));
    for (String path : List.of("/viewer/nothing.js", "/viewer/", "/index.html")) {
      HttpResponse<byte[]> missing = get(path);
      assertThat(path, missing.statusCode(), equalTo(404));
      assertThat(path, new String(missing.body()), containsString("\"errors\":[{\"code\":404"));
    }
  }

  private static HttpResponse<byte[]> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] resource(String name) throws Exception {
    try (InputStream in = ViewerFilesTest.class.getResourceAsStream("/viewer/" + name)) {
      return in.readAllBytes();
    }
  }
}
