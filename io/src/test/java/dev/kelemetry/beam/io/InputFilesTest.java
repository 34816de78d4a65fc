package dev.kelemetry.beam.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpResponseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The check of the inputs before a run. The answers of real servers are in the pipelines' S3 and GCS tests; here,
 * local paths, schemes, and the errors of both providers as their client libraries raise them.
 */
public class InputFilesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void registerFileSystems() {
    PipelineOptions options = PipelineOptionsFactory.create();
    ObjectStorage.defaults().configure(options, List.of());
    FileSystems.setDefaultPipelineOptions(options);
  }

  @Test
  public void filesAndBytesAddUpOverAllInputs() throws Exception {
    Path a = Files.writeString(tmp.getRoot().toPath().resolve("a.log"), "12345");
    Path b = Files.writeString(tmp.getRoot().toPath().resolve("b.log"), "123");
    InputFiles.Matched matched = InputFiles.match(List.of(new InputSpec(tmp.getRoot() + "/*.log", ""),
        new InputSpec(a.toString(), "x")));
    assertThat(matched, equalTo(new InputFiles.Matched(3, 5 + 3 + 5)));
    assertThat(Files.size(b), equalTo(3L));
  }

  @Test
  public void aGlobThatMatchesNothingSaysWhichInput() {
    InputFiles.UnusableInput e = assertThrows(InputFiles.UnusableInput.class,
        () -> InputFiles.match(List.of(new InputSpec(tmp.getRoot() + "/none-*.log", ""))));
    assertThat(e.getMessage(), equalTo("no file matches --input " + tmp.getRoot() + "/none-*.log"));
  }

  @Test
  public void anUnsupportedSchemeNamesTheOnesThatAre() {
    InputFiles.UnusableInput e = assertThrows(InputFiles.UnusableInput.class,
        () -> InputFiles.match(List.of(new InputSpec("azure://logs/insights-logs-kube-audit/*.json", ""))));
    assertThat(e.getMessage(), equalTo("--input azure://logs/insights-logs-kube-audit/*.json: azure:// is not"
        + " supported; an input is a local path, s3://BUCKET/KEY or gs://BUCKET/OBJECT (each may hold * and ** globs)"));
  }

  private static S3Exception s3(int status, String code) {
    return (S3Exception) S3Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("said " + code).build()).build();
  }

  @Test
  public void s3ErrorsAreExplainedInWords() {
    String glob = "s3://audit-logs/eks/*.gz";
    assertThat(InputFiles.explain(glob, new IOException(s3(404, "NoSuchBucket"))),
        equalTo("the bucket 'audit-logs' does not exist"));
    assertThat(InputFiles.explain(glob, new IOException(s3(403, "InvalidAccessKeyId"))),
        equalTo("access denied by S3 (InvalidAccessKeyId); " + InputFiles.AWS_CREDENTIALS));
    assertThat(InputFiles.explain(glob, new IOException(s3(503, "SlowDown"))),
        equalTo("S3 answered 503 SlowDown: said SlowDown"));
  }

  @Test
  public void cloudStorageErrorsAreExplainedInWords() {
    String glob = "gs://gke-audit/cloudaudit.googleapis.com/activity/**";
    assertThat(InputFiles.explain(glob, new IOException(gcs(404, "Not Found"))),
        equalTo("the bucket 'gke-audit' does not exist"));
    assertThat(InputFiles.explain(glob, new IOException(gcs(403, "Forbidden"))),
        containsString("access denied by Cloud Storage (403); credentials are Application Default Credentials"));
  }

  private static HttpResponseException gcs(int status, String message) {
    return new HttpResponseException.Builder(status, message, new HttpHeaders()).build();
  }
}
