package dev.kelemetry.beam.pipelines.serve;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assume.assumeTrue;

import dev.kelemetry.beam.pipelines.SpanFiles;
import dev.kelemetry.beam.schemas.SpanEvent;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The built-in viewer in a real browser (the system's headless Chromium) over a backfill of the generated rollout:
 * search the Deployment, open its trace, find its objects as rows and read a write's diff in the side panel. What to
 * expect is read from the span rows the backfill wrote.
 */
public class ViewerBrowserTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
  private static final String CLUSTER = "demo";

  private static List<SpanRow> rows;
  private static JaegerServer server;
  private static WebDriver browser;

  @BeforeClass
  public static void backfillTheRolloutServeItAndStartTheBrowser() throws Exception {
    assumeTrue("the viewer's browser test needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
        + "/usr/bin/chromedriver): apt-get install -y chromium chromium-driver",
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER));
    Path log = TMP.getRoot().toPath().resolve("rollout.log");
    Path out = TMP.newFolder("out").toPath();
    ServeApiTest.cli("generate", "--output", log.toString(), "--seed", "5", "--start", "2026-03-01T10:00:00Z");
    ServeApiTest.cli("backfill", "--input", log + "@" + CLUSTER, "--output", out.toString(), "--runner", "direct", "--no-metrics");
    rows = SpanFiles.read(out);
    server = JaegerServer.start(LocalSpans.load(out), "127.0.0.1", 0);

    // the driver and the browser named explicitly, so Selenium Manager never looks for (or downloads) either
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // without these, headless Chromium waits on the network (closed in CI) for updates, sync and first-run pages
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + TMP.newFolder("chromium-profile"), "--window-size=1400,900");
    browser = new ChromeDriver(service, options);
  }

  @AfterClass
  public static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  public void searchTheDeploymentOpenItsTraceAndReadTheDiffOfAScale() throws Exception {
    String traceId = searchTheDeploymentAndOpenIt("tracing [full tree]");
    // the address names the trace, so a reload or a shared link opens it again
    assertThat(browser.getCurrentUrl(), equalTo(server.uri() + "#trace=" + traceId));

    // every object of the Deployment's stored traces is a row, the Deployment highlighted as the one searched
    List<SpanRow> deploymentSpans = deploymentSpans();
    Set<String> traces = deploymentSpans.stream().map(SpanRow::traceId).collect(Collectors.toSet());
    Set<String> expectedObjects = objectSpans().stream().filter(r -> traces.contains(r.traceId()))
        .map(SpanRow::name).collect(Collectors.toCollection(TreeSet::new));
    Set<String> replicaSets = objectsOwnedBy(deploymentSpans);
    assertThat("the rollout makes two ReplicaSets", replicaSets.size(), equalTo(2));
    List<String> shown = new ArrayList<>();
    browser.findElements(By.cssSelector(".row.object")).forEach(r -> shown.add(r.getAttribute("data-object")));
    assertThat(new TreeSet<>(shown), equalTo(expectedObjects));
    for (String replicaSet : replicaSets) {
      assertThat(shown, hasItem(replicaSet));
      List<SpanRow> replicaSetSpans = objectSpans().stream().filter(r -> r.name().equals(replicaSet)).toList();
      Set<String> pods = objectsOwnedBy(replicaSetSpans);
      assertThat(replicaSet + " owns Pods", pods.isEmpty(), equalTo(false));
      // each Pod's row directly below its ReplicaSet's, in the ownership tree's order
      int at = shown.indexOf(replicaSet);
      assertThat(new TreeSet<>(shown.subList(at + 1, at + 1 + pods.size())), equalTo(pods));
    }
    List<WebElement> searched = browser.findElements(By.cssSelector(".row.searched"));
    assertThat(searched.size(), equalTo(1));
    assertThat(searched.get(0).getAttribute("data-object"), equalTo("deployments/demo"));

    // the first scale of the Deployment: its mark opens the side panel with the write as the rows have it
    SpanRow scale = firstScale();
    openMark(scale);
    assertThat(panelText("#detail pre.diff"), equalTo(diffOf(scale)));
    String details = panelText("#detail table");
    for (String attribute : List.of("k8s.audit.user", "k8s.audit.verb", "k8s.audit.response_code")) {
      assertThat(details, containsString(String.valueOf(scale.attributes().get(attribute))));
    }
    assertThat(details, containsString("latency " + latency(scale)));

    // the picture docs/serve.md shows (copied from target/ into docs/images/ by hand when the page changes)
    Path png = Paths.get("target", "viewer-trace.png");
    Files.createDirectories(png.getParent());
    Files.write(png, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

    // the browser's back button returns to the list the trace was opened from
    browser.navigate().back();
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr.result")));
    assertThat(browser.findElement(By.id("trace")).isDisplayed(), equalTo(false));
  }

  @Test
  public void inTheTreeModeRequestsAreSpansAndTheScaleReadsTheSame() throws Exception {
    searchTheDeploymentAndOpenIt("tree [full tree]");
    SpanRow scale = firstScale();
    openMark(scale);
    assertThat(panelText("#detail pre.diff"), equalTo(diffOf(scale)));
    assertThat(panelText("#detail table"), containsString("latency " + latency(scale)));
  }

  // ---- the page

  /** Searches {@code deployments/demo} in this display mode from a fresh page, opens the one trace; its id. */
  private static String searchTheDeploymentAndOpenIt(String mode) {
    browser.get(server.uri().toString());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    // the form's lists come from the API: the modes from /api/services, the cluster from the operations
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#cluster option[value='" + CLUSTER + "']")));
    new Select(browser.findElement(By.id("mode"))).selectByVisibleText(mode);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#cluster option[value='" + CLUSTER + "']")));
    new Select(browser.findElement(By.id("cluster"))).selectByValue(CLUSTER);
    browser.findElement(By.id("resource")).sendKeys("deployments");
    browser.findElement(By.id("name")).sendKeys("demo");
    browser.findElement(By.id("find")).click();

    WebElement result = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("tr.result")));
    assertThat(browser.findElements(By.cssSelector("tr.result")).size(), equalTo(1));
    String traceId = result.getAttribute("data-trace-id");
    result.click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".row.object")));
    return traceId;
  }

  /**
   * Clicks where the request's mark is drawn, as a user would. The controller's answer, milliseconds later, may be
   * drawn over it; then the panel lists every mark at that spot and the request is picked there.
   */
  private static void openMark(SpanRow request) {
    String time = String.valueOf(SpanStore.micros(request.startTime()));
    WebElement mark = browser.findElement(By.cssSelector(".row.searched .mark[data-time='" + time + "']"));
    assertThat(mark.getAttribute("data-name"), equalTo(request.name()));
    new Actions(browser).moveToElement(mark).click().perform();
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#detail h2")));
    for (WebElement sameSpot : browser.findElements(By.cssSelector("#detail .same-spot [data-time='" + time + "']"))) {
      sameSpot.click();
    }
    assertThat(panelText("#detail h2"), equalTo(request.name()));
  }

  private static String panelText(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  // ---- the rows

  private static List<SpanRow> deploymentSpans() {
    return objectSpans().stream().filter(r -> r.name().equals("deployments/demo")).toList();
  }

  /** The Deployment's first {@code scale} write (the rollout scales it twice). */
  private static SpanRow firstScale() {
    return happeningsOf(deploymentSpans()).stream()
        .filter(r -> r.kind().equals(SpanRow.KIND_AUDIT) && "scale".equals(r.attributes().get("k8s.audit.subresource")))
        .min(Comparator.comparing(SpanRow::startTime)).orElseThrow();
  }

  private static String diffOf(SpanRow request) {
    String diff = request.events().stream().filter(e -> e.name().equals(SpanEvent.DIFF))
        .flatMap(e -> lines(e.attributes().get("diff")).stream()).collect(Collectors.joining("\n"));
    assertThat(request.name() + " changed something", diff.isEmpty(), equalTo(false));
    return diff;
  }

  /** The request's duration as the panel writes one of milliseconds (the generated API server answers in those). */
  private static String latency(SpanRow request) {
    long micros = SpanStore.micros(request.endTime()) - SpanStore.micros(request.startTime());
    assertThat("a latency of milliseconds", micros >= 1000 && micros < 1_000_000, equalTo(true));
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }

  // ---- the rows

  private static List<SpanRow> objectSpans() {
    return rows.stream().filter(r -> r.kind().equals(SpanRow.KIND_OBJECT) && r.cluster().equals(CLUSTER)).toList();
  }

  /** The names of the objects whose spans hang under these object spans. */
  private static Set<String> objectsOwnedBy(List<SpanRow> owners) {
    Set<String> ids = owners.stream().map(r -> r.traceId() + "/" + r.spanId()).collect(Collectors.toSet());
    return objectSpans().stream().filter(r -> ids.contains(r.traceId() + "/" + r.parentSpanId()))
        .map(SpanRow::name).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<SpanRow> happeningsOf(List<SpanRow> objectSpans) {
    Set<String> ids = objectSpans.stream().map(r -> r.traceId() + "/" + r.spanId()).collect(Collectors.toSet());
    return rows.stream().filter(r -> !r.kind().equals(SpanRow.KIND_OBJECT))
        .filter(r -> ids.contains(r.traceId() + "/" + r.parentSpanId())).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<String> lines(Object diff) {
    return (List<String>) diff;
  }
}
