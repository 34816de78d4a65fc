package dev.kelemetry.beam.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.equalTo;

import org.junit.Test;

public class RequestTimeoutsTest {

  @Test
  public void readsGoDurationsAsClientsWriteThem() {
    assertThat(RequestTimeouts.seconds("/api/v1/pods?timeout=32s"), equalTo(32.0));
    assertThat(RequestTimeouts.seconds("/apis/apps/v1/deployments?limit=500&timeout=1m0s"), equalTo(60.0));
    assertThat(RequestTimeouts.seconds("/api/v1/nodes/n1?timeout=10s&resourceVersion=0"), equalTo(10.0));
    assertThat(RequestTimeouts.seconds("/x?timeout=1h2m3.5s"), closeTo(3723.5, 1e-9));
    assertThat(RequestTimeouts.seconds("/x?timeout=250ms"), closeTo(0.25, 1e-12));
    assertThat(RequestTimeouts.seconds("/api/v1/pods?watch=true&timeoutSeconds=510"), equalTo(510.0));
  }

  @Test
  public void noOrUnreadableTimeoutIsNaN() {
    assertThat(Double.isNaN(RequestTimeouts.seconds("/api/v1/pods")), equalTo(true));
    assertThat(Double.isNaN(RequestTimeouts.seconds("/api/v1/pods?timeout=soon")), equalTo(true));
    assertThat(Double.isNaN(RequestTimeouts.seconds("/api/v1/pods?timeout=5x")), equalTo(true));
    assertThat(Double.isNaN(RequestTimeouts.seconds(null)), equalTo(true));
  }
}
