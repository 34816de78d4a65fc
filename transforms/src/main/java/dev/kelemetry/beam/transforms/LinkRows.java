package dev.kelemetry.beam.transforms;

import dev.kelemetry.beam.plugins.ObjectLink;
import dev.kelemetry.beam.schemas.LinkRow;
import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.transforms.coders.JsonCoder;
import dev.kelemetry.beam.transforms.owners.ObjectSighting;
import dev.kelemetry.beam.transforms.owners.OwnerRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The object links of each window ({@link LinkRow}): from the sightings the tracker sends, every parent and related
 * link an object had in the window, once per object, link and window, with the first and last time a record showed
 * it. Parents are the edges of the trace trees; related links the searchable ones beside them.
 */
public final class LinkRows extends PTransform<PCollection<KV<String, ObjectSighting>>, PCollection<LinkRow>> {
  private final Duration window;

  private LinkRows(Duration window) {
    this.window = window;
  }

  public static LinkRows inWindowsOf(Duration window) {
    return new LinkRows(window);
  }

  @Override
  public PCollection<LinkRow> expand(PCollection<KV<String, ObjectSighting>> sightings) {
    return sightings
        .apply("LinksOfEachSighting", ParDo.of(new DoFn<KV<String, ObjectSighting>, KV<String, LinkRow>>() {
          @ProcessElement
          public void process(@Element KV<String, ObjectSighting> kv, OutputReceiver<KV<String, LinkRow>> out) {
            for (LinkRow row : links(kv.getValue())) {
              out.output(KV.of(String.join("\u0001", row.windowStart(), row.cluster(), row.uid(), row.resource(),
                  row.namespace(), row.objectName(), row.role(), row.linker(), row.target()), row));
            }
          }
        }))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), JsonCoder.of(LinkRow.class)))
        .apply("ByWindow", Window.into(FixedWindows.of(window)))
        .apply("FirstAndLastSeen", Combine.perKey(LinkRow::seenAlso))
        .apply("Links", Values.create())
        .setCoder(JsonCoder.of(LinkRow.class));
  }

  /** The links one sighting shows: its parent, and each object of each related link. */
  static List<LinkRow> links(ObjectSighting s) {
    List<LinkRow> rows = new ArrayList<>();
    String window = Rows.timestamp(s.windowStartMicros());
    String seen = Rows.timestamp(s.seenMicros());
    OwnerRef owner = s.owner();
    if (owner != null) {
      rows.add(new LinkRow(window, s.cluster(), s.apiGroup(), s.resource(), s.namespace(), s.name(), s.uid(),
          LinkRow.PARENT, owner.linker(), owner.toLink().describe(s.cluster()), owner.clusterFrom(s.cluster()),
          owner.uid(), seen, seen));
    }
    for (Map.Entry<String, List<ObjectLink>> related : s.related().entrySet()) {
      for (ObjectLink target : related.getValue()) {
        rows.add(new LinkRow(window, s.cluster(), s.apiGroup(), s.resource(), s.namespace(), s.name(), s.uid(),
            LinkRow.RELATED, related.getKey(), target.describe(s.cluster()),
            target.cluster().isEmpty() ? s.cluster() : target.cluster(), target.uid(), seen, seen));
      }
    }
    return rows;
  }
}
