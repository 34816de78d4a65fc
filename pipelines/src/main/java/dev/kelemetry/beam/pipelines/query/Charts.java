package dev.kelemetry.beam.pipelines.query;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * A query's answer over time as a PNG line chart: x is the first time column, y every number column, one line per
 * number column and distinct value of the text columns (its label). Rows with the same time and label add up.
 */
public final class Charts {
  private Charts() {}

  // Drawn into an image only, never a window: a DISPLAY set on the machine (or an unreachable one) must play no part.
  // Set before any AWT class loads (the palette's Colors below), which would fix the choice for the JVM.
  static {
    System.setProperty("java.awt.headless", "true");
  }

  public static final int WIDTH = 1200;
  public static final int HEIGHT = 600;

  /** More lines than this are unreadable: the ones with the largest totals are drawn, and the note says so. */
  static final int MAX_SERIES = 12;

  /** Writes the chart; returns a note for the user when lines were left out, else an empty string. */
  public static String write(ResultTable result, String title, Path png) {
    List<ResultTable.Column> columns = result.columns();
    int time = indexOf(columns, ResultTable.Kind.TIME);
    List<Integer> numbers = indicesOf(columns, ResultTable.Kind.NUMBER);
    List<Integer> labels = indicesOf(columns, ResultTable.Kind.TEXT);
    String has = columns.stream().map(c -> c.name() + " " + c.kind().name().toLowerCase(java.util.Locale.ROOT))
        .collect(Collectors.joining(", "));
    if (time < 0 || numbers.isEmpty()) {
      throw new QueryException("--chart needs a TIMESTAMP column and a number column in the result; it has " + has);
    }
    // label -> time -> sum, in the order labels first appear
    Map<String, TreeMap<Long, Double>> lines = new LinkedHashMap<>();
    for (List<Object> row : result.rows()) {
      if (row.get(time) == null) {
        continue;
      }
      long millis = ((Instant) row.get(time)).toEpochMilli();
      String label = labels.stream().map(i -> row.get(i) == null ? "" : row.get(i).toString())
          .collect(Collectors.joining(" "));
      for (int n : numbers) {
        if (row.get(n) == null) {
          continue;
        }
        String key = numbers.size() == 1 ? label : (label.isEmpty() ? "" : label + " ") + columns.get(n).name();
        lines.computeIfAbsent(key.isEmpty() ? columns.get(n).name() : key, k -> new TreeMap<>())
            .merge(millis, ((Number) row.get(n)).doubleValue(), Double::sum);
      }
    }
    List<String> drawn = new ArrayList<>(lines.keySet());
    String note = "";
    if (drawn.size() > MAX_SERIES) {
      drawn.sort(Comparator.comparingDouble((String k) -> -total(lines.get(k))));
      note = "the chart shows the " + MAX_SERIES + " lines with the largest totals of " + drawn.size();
      drawn = drawn.subList(0, MAX_SERIES);
    }
    TimeSeriesCollection dataset = new TimeSeriesCollection();
    for (String key : drawn) {
      TimeSeries series = new TimeSeries(key);
      lines.get(key).forEach((millis, value) -> series.add(new FixedMillisecond(millis), value));
      dataset.addSeries(series);
    }
    String yLabel = numbers.stream().map(i -> columns.get(i).name()).collect(Collectors.joining(", "));
    JFreeChart chart = ChartFactory.createTimeSeriesChart(title, columns.get(time).name() + " (UTC)", yLabel, dataset,
        true, false, false);
    style(chart);
    try {
      ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    } catch (IOException e) {
      throw new QueryException("the chart cannot be written to " + png + ": " + e.getMessage());
    }
    return note;
  }

  /**
   * Colours that stay apart on white (JFreeChart's defaults include a pale yellow), as many as {@link #MAX_SERIES}.
   */
  private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
      new Color(0xbcbd22), new Color(0x17becf), new Color(0x393b79), new Color(0x000000)};

  /** White background, UTC on the time axis (the rows' times are UTC), points on the lines so single windows show. */
  private static void style(JFreeChart chart) {
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    ((DateAxis) plot.getDomainAxis()).setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    plot.setRenderer(renderer);
  }

  private static double total(TreeMap<Long, Double> line) {
    return line.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  private static int indexOf(List<ResultTable.Column> columns, ResultTable.Kind kind) {
    List<Integer> all = indicesOf(columns, kind);
    return all.isEmpty() ? -1 : all.get(0);
  }

  private static List<Integer> indicesOf(List<ResultTable.Column> columns, ResultTable.Kind kind) {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).kind() == kind) {
        found.add(i);
      }
    }
    return found;
  }
}
