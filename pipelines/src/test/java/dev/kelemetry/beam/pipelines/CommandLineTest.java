package dev.kelemetry.beam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.kelemetry.beam.io.InputSpec;
import java.nio.file.Path;
import java.util.List;
import org.joda.time.Duration;
import org.junit.Test;
import picocli.CommandLine;

/** How the command line turns its options into the backfill's configuration. */
public class CommandLineTest {
  private static TracingConfig config(String... args) {
    Kelemetry.Backfill backfill = new Kelemetry.Backfill();
    new CommandLine(backfill).parseArgs(args);
    return Kelemetry.config(backfill.inputs, backfill.output, backfill.run);
  }

  @Test
  public void defaultsAreThirtyMinuteWindowsTheDefaultClusterAndADayOfState() {
    TracingConfig c = config("--input", "a.log", "--output", "out");
    assertThat(c.window(), equalTo(Duration.standardMinutes(30)));
    assertThat(c.cluster(), equalTo("default"));
    assertThat(c.stateTtl(), equalTo(Duration.standardHours(24)));
    assertThat(c.maxOwnerDepth(), equalTo(10));
  }

  @Test
  public void anInputMayNameItsClusterButAPathWithAnAtSignStaysAPath() {
    TracingConfig c = config("--input", "eu/*.log@prod-eu", "--input", "logs/audit@2024.log", "--output", "out");
    assertThat(c.inputs(), equalTo(List.of(new InputSpec("eu/*.log", "prod-eu"), new InputSpec("logs/audit@2024.log", ""))));
  }

  @Test
  public void durationsComposeAndBadOnesSayWhichOption() {
    assertThat(config("--input", "a", "--output", "o", "--window", "1h30m").window(), equalTo(Duration.standardMinutes(90)));
    assertThat(config("--input", "a", "--output", "o", "--state-ttl", "2d").stateTtl(), equalTo(Duration.standardDays(2)));
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> config("--input", "a", "--output", "o", "--window", "30 minutes"));
    assertThat(e.getMessage(), containsString("--window takes a duration like 30m"));
  }

  @Test
  public void aWindowThatDoesNotDivideADayIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--input", "a", "--output", "o", "--window", "7m"));
    assertThat(e.getMessage(), containsString("--window must divide a day evenly"));
  }

  @Test
  public void outputIsThePathGiven() {
    assertThat(Path.of(config("--input", "a", "--output", "x/y").output()), equalTo(Path.of("x/y")));
  }
}
