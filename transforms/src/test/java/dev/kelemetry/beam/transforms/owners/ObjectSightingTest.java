package dev.kelemetry.beam.transforms.owners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.sameInstance;

import org.junit.Test;

public class ObjectSightingTest {
  private static ObjectSighting seen(long at, OwnerRef owner) {
    return new ObjectSighting("c1", "u1", "u1", "apps", "apps/v1", "ReplicaSet", "replicasets", "ns", "web-1", 0, at,
        owner, false, null);
  }

  @Test
  public void theLaterSightingWins() {
    ObjectSighting early = seen(1, new OwnerRef("d1", "apps", "apps/v1", "Deployment", "deployments", "ns", "web"));
    ObjectSighting late = seen(2, null);
    assertThat(early.latest(late), sameInstance(late));
    assertThat(late.latest(early), sameInstance(late));
  }

  @Test
  public void atTheSameTimeTheOneThatKnowsAnOwnerWinsWhicheverCameFirst() {
    // an Event and a state stamped with the same whole second: the Event's sighting knows no owner
    ObjectSighting fromEvent = seen(5, null);
    ObjectSighting fromState = seen(5, new OwnerRef("d1", "apps", "apps/v1", "Deployment", "deployments", "ns", "web"));
    assertThat(fromEvent.latest(fromState), sameInstance(fromState));
    assertThat(fromState.latest(fromEvent), sameInstance(fromState));
  }
}
