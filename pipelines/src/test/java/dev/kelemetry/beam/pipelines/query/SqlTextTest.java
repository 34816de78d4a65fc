package dev.kelemetry.beam.pipelines.query;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Parameters become literals of their declared types, in code only; UNNEST aliases get BigQuery's meaning on DuckDB. */
public class SqlTextTest {
  private static final SqlQuery QUERY = SqlQuery.parse("q", String.join("\n",
      "-- Who does what.",
      "-- @param limit INT64 20 rows",
      "-- @param user STRING '' one user's; '' for all",
      "-- @param since TIMESTAMP '2026-01-01 00:00:00' from",
      "SELECT '@user', \"@user\" -- @user in a comment",
      "FROM t WHERE (@user = '' OR u = @user) AND t >= @since /* @limit */ LIMIT @limit"));

  @Test
  public void theHeaderGivesTheQuestionAndTheParametersWithTheirTypesAndDefaults() {
    assertThat(QUERY.question(), equalTo("Who does what."));
    assertThat(QUERY.params().get("limit"), equalTo(new SqlQuery.Param("limit", "INT64", "20", "rows")));
    assertThat(QUERY.params().get("user"), equalTo(new SqlQuery.Param("user", "STRING", "", "one user's; '' for all")));
    assertThat(QUERY.params().get("since").defaultValue(), equalTo("2026-01-01 00:00:00"));
  }

  @Test
  public void parametersInStringsQuotedNamesAndCommentsAreLeftAlone() {
    String sql = SqlText.bind(QUERY, Map.of("user", "o'neil"));
    assertThat(sql, containsString("SELECT '@user', \"@user\" -- @user in a comment"));
    assertThat(sql, containsString("WHERE ('o''neil' = '' OR u = 'o''neil') AND t >= TIMESTAMP '2026-01-01 00:00:00'"
        + " /* @limit */ LIMIT 20"));
    assertThat(SqlText.parameters(QUERY.text()), equalTo(List.of("user", "since", "limit")));
  }

  @Test
  public void aValueOfTheWrongTypeOrForNoParameterIsRefusedNamingWhatTheQueryTakes() {
    QueryException notANumber = assertThrows(QueryException.class, () -> SqlText.bind(QUERY, Map.of("limit", "ten")));
    assertThat(notANumber.getMessage(), equalTo("query q: parameter limit is an INT64, got 'ten'"));
    QueryException unknown = assertThrows(QueryException.class, () -> SqlText.bind(QUERY, Map.of("users", "x")));
    assertThat(unknown.getMessage(), equalTo("query q has no parameter 'users'; it takes limit, since, user"));
  }

  @Test
  public void anUndeclaredParameterNeedsAValueAndIsANumberWhenItReadsAsOne() {
    SqlQuery file = SqlQuery.parse("f.sql", "SELECT * FROM metrics WHERE count > @n AND metric = @m");
    QueryException missing = assertThrows(QueryException.class, () -> SqlText.bind(file, Map.of("n", "3")));
    assertThat(missing.getMessage(), equalTo("query f.sql needs --param m=VALUE; it takes m, n"));
    assertThat(SqlText.bind(file, Map.of("n", "3", "m", "requests")),
        equalTo("SELECT * FROM metrics WHERE count > 3 AND metric = 'requests'"));
  }

  @Test
  public void aNegativeNumberAfterAMinusDoesNotBecomeAComment() {
    SqlQuery q = SqlQuery.parse("q", "-- q\n-- @param n INT64 1 n\nSELECT 10-@n, 10-@x");
    assertThat(SqlText.bind(q, Map.of("n", "-3", "x", "-2.5")), equalTo("-- q\n-- @param n INT64 1 n\nSELECT 10-(-3), 10-(-2.5)"));
  }

  @Test
  public void anUnnestAliasAlsoNamesItsColumnForDuckDb() {
    assertThat(SqlText.forDuckDb("SELECT b.value FROM metrics, UNNEST(latency_ms.buckets) AS b WHERE x"),
        equalTo("SELECT b.value FROM metrics, UNNEST(latency_ms.buckets) AS b(b) WHERE x"));
    assertThat(SqlText.forDuckDb("FROM m CROSS JOIN unnest(f(a, (b))) as e, UNNEST(x) AS t(y)"),
        equalTo("FROM m CROSS JOIN unnest(f(a, (b))) as e(e), UNNEST(x) AS t(y)"));
    assertThat(SqlText.forDuckDb("SELECT 'UNNEST(x) AS b'"), equalTo("SELECT 'UNNEST(x) AS b'"));
  }
}
