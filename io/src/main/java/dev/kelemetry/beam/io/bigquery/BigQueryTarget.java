package dev.kelemetry.beam.io.bigquery;

import java.io.Serializable;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;

/**
 * The dataset the tables go to, {@code PROJECT:DATASET} (or {@code PROJECT.DATASET}).
 *
 * @param services BigQuery itself when null; Beam's fakes in tests
 */
public record BigQueryTarget(String project, String dataset, BigQueryServices services) implements Serializable {
  public BigQueryTarget {
    if (project == null || project.isBlank() || dataset == null || !dataset.matches("[A-Za-z0-9_]{1,1024}")) {
      throw new IllegalArgumentException("--bigquery-dataset takes PROJECT:DATASET (letters, digits and _ in the"
          + " dataset name), got " + project + ":" + dataset);
    }
  }

  public static BigQueryTarget parse(String text) {
    int sep = Math.max(text.indexOf(':'), text.lastIndexOf('.'));
    if (sep <= 0 || sep == text.length() - 1) {
      throw new IllegalArgumentException("--bigquery-dataset takes PROJECT:DATASET, got '" + text + "'");
    }
    return new BigQueryTarget(text.substring(0, sep), text.substring(sep + 1), null);
  }

  public BigQueryTarget withServices(BigQueryServices fake) {
    return new BigQueryTarget(project, dataset, fake);
  }

  /** {@code PROJECT:DATASET.TABLE}, as BigQueryIO names a table. */
  public String table(String name) {
    return project + ":" + dataset + "." + name;
  }
}
