package dev.kelemetry.beam.pipelines.query;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@code kelemetry query} as a user meets it: the printed answer, the chart, and the one-line errors with exit code 2. */
public class QueryCommandTest {
  @ClassRule
  public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path data;

  @BeforeClass
  public static void writeFixture() throws Exception {
    data = TMP.newFolder("out").toPath();
    QueryFixture.random(11).write(data);
  }

  private static void assertOneLineError(QueryCli.Run run, String start) {
    assertEquals(run.err(), 2, run.exitCode());
    assertThat(run.err(), startsWith("kelemetry query: " + start));
    assertThat(run.err().strip().lines().count(), equalTo(1L));
  }

  @Test
  public void theTableAlignsNumbersRightTextLeftAndShowsTimesInUtcWords() {
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "request_rate", "--param", "user=bob");
    assertEquals(run.err(), 0, run.exitCode());
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0), matchesPattern("window_start {9}verb {4}requests_per_second"));
    assertThat(lines.get(1), matchesPattern("-{19}  -{6}  -{19}"));
    // the rate's digits end under the header's last letter; the verb starts under the header's first
    assertThat(lines.get(2), matchesPattern("2026-01-01 00:00:00  create  +\\d+\\.\\d+"));
    assertThat(lines.get(2).length(), equalTo(lines.get(0).length()));
    assertThat(lines.get(lines.size() - 1), matchesPattern("\\d+ rows"));
  }

  @Test
  public void csvQuotesWhatNeedsItAndKeepsFullTimes() throws Exception {
    Path sql = TMP.newFile("quoted.sql").toPath();
    Files.writeString(sql, "SELECT 'a, \"b\"' AS text, TIMESTAMP '2026-01-01 00:00:00.5' AS t, 1.25 AS n");
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "--format", "csv", sql.toString());
    assertEquals(run.err(), 0, run.exitCode());
    assertThat(run.out(), equalTo("text,t,n\r\n\"a, \"\"b\"\"\",2026-01-01T00:00:00.500000Z,1.25\r\n"));
  }

  @Test
  public void theTableCutsLongTextsToOneShortLineButCsvKeepsThemWhole() throws Exception {
    Path sql = TMP.newFile("long.sql").toPath();
    Files.writeString(sql, "SELECT repeat('x', 100) || chr(10) || 'end' AS raw");
    QueryCli.Run table = QueryCli.run("--data", data.toString(), sql.toString());
    assertThat(table.out().lines().toList().get(2), equalTo("x".repeat(ResultTable.MAX_CELL - 3) + "..."));
    QueryCli.Run csv = QueryCli.run("--data", data.toString(), "--format", "csv", sql.toString());
    assertThat(csv.out(), equalTo("raw\r\n\"" + "x".repeat(100) + "\nend\"\r\n"));
  }

  @Test
  public void theListNamesEveryQueryWithItsQuestion() {
    QueryCli.Run run = QueryCli.run("--list");
    assertEquals(0, run.exitCode());
    for (String name : QueryLibrary.names()) {
      assertThat(run.out(), containsString(name + " "));
    }
    assertThat(run.out(), containsString("Who hammers the API server"));
  }

  @Test
  public void anUnknownQueryIsOneLineListingTheLibrary() {
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "top_user");
    assertOneLineError(run, "no query named 'top_user'; the library has: ");
    for (String name : QueryLibrary.names()) {
      assertThat(run.err(), containsString(name));
    }
  }

  @Test
  public void badSqlIsOneLineWithTheQueryAndDuckDbsMessage() throws Exception {
    Path sql = TMP.newFile("bad.sql").toPath();
    Files.writeString(sql, "SELECT 1,\n  no_such_column\nFROM metrics");
    QueryCli.Run run = QueryCli.run("--data", data.toString(), sql.toString());
    assertOneLineError(run, "query " + sql + " failed: Binder Error: Referenced column \"no_such_column\" not found");
    assertThat(run.err(), containsString("(line 2)"));
  }

  @Test
  public void aMissingDataDirectoryIsOneLine() {
    QueryCli.Run run = QueryCli.run("--data", data.resolve("nope").toString(), "top_users");
    assertOneLineError(run, "no data directory " + data.resolve("nope"));
  }

  @Test
  public void aParameterTheQueryDoesNotTakeIsOneLineNamingTheOnesItTakes() {
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "top_users", "--param", "users=bob");
    assertOneLineError(run, "query top_users has no parameter 'users'; it takes cluster, limit");
  }

  @Test
  public void theChartIsAPngOfTheAnswerOverTime() throws Exception {
    Path png = TMP.getRoot().toPath().resolve("rate.png");
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "request_rate", "--chart", png.toString());
    assertEquals(run.err(), 0, run.exitCode());
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth(), equalTo(Charts.WIDTH));
    assertThat(image.getHeight(), equalTo(Charts.HEIGHT));
    Set<Integer> colours = new HashSet<>();
    for (int x = 0; x < image.getWidth(); x += 3) {
      for (int y = 0; y < image.getHeight(); y += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    // background, grid, axes, text and one colour per verb's line at least
    assertThat(colours.size(), greaterThan(QueryFixture.VERBS.size() + 3));
  }

  /** In a JVM of its own: AWT decides once per JVM whether there is a display. */
  @Test
  public void theChartIsDrawnWhenDisplayNamesAnUnreachableScreen() throws Exception {
    Path png = TMP.getRoot().toPath().resolve("no-screen.png");
    ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.kelemetry.beam.pipelines.Kelemetry", "query",
        "--data", data.toString(), "request_rate", "--chart", png.toString());
    child.environment().put("DISPLAY", ":99");
    child.redirectErrorStream(true);
    Process run = child.start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(output, 0, run.waitFor());
    assertThat(ImageIO.read(png.toFile()).getWidth(), equalTo(Charts.WIDTH));
  }

  @Test
  public void aChartOfTooManyLinesDrawsTheLargestAndSaysSo() throws Exception {
    Path sql = TMP.newFile("lines.sql").toPath();
    Files.writeString(sql, "SELECT TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (m) MINUTE AS t, 'line-' || l AS label,"
        + " l * 1.0 AS v FROM range(3) AS r(m), range(15) AS s(l)");
    Path png = TMP.getRoot().toPath().resolve("lines.png");
    QueryCli.Run run = QueryCli.run("--data", data.toString(), sql.toString(), "--chart", png.toString());
    assertEquals(run.err(), 0, run.exitCode());
    assertThat(run.err(), containsString("the chart shows the " + Charts.MAX_SERIES + " lines with the largest totals of 15"));
    assertThat(ImageIO.read(png.toFile()).getWidth(), equalTo(Charts.WIDTH));
  }

  @Test
  public void aChartOfAnAnswerWithoutTimesIsOneLineSayingWhatItHas() {
    Path png = TMP.getRoot().toPath().resolve("users.png");
    QueryCli.Run run = QueryCli.run("--data", data.toString(), "top_users", "--chart", png.toString());
    assertOneLineError(run, "--chart needs a TIMESTAMP column and a number column in the result; it has user text,"
        + " requests number");
    assertThat(Files.exists(png), equalTo(false));
    assertThat(run.out(), equalTo(""));
  }
}
