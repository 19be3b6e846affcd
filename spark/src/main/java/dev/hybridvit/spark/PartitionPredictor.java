package dev.hybridvit.spark;

import dev.hybridvit.infer.ImageClassifier;
import dev.hybridvit.infer.Predictor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Classifies one partition of {@code (path, content)} rows: images are decoded and preprocessed one
 * by one, run {@code batch} at a time through the executor's shared session
 * ({@link ExecutorModels}), and yielded in input order. An image that cannot be decoded yields a row
 * with its {@code error} and no predictions; it never fails the task.
 */
final class PartitionPredictor implements MapPartitionsFunction<Row, Row>, Serializable {
    private final Broadcast<byte[]> model;
    private final int topK, batch, threads;
    private final boolean embeddings;

    PartitionPredictor(Broadcast<byte[]> model, int topK, int batch, int threads, boolean embeddings) {
        this.model = model;
        this.topK = topK;
        this.batch = batch;
        this.threads = threads;
        this.embeddings = embeddings;
    }

    /** The output rows: path, top-k indices, labels, probabilities, the embedding (if asked) and the error. */
    static StructType schema(boolean embeddings) {
        StructType s = new StructType()
                .add("path", DataTypes.StringType, false)
                .add("top_indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("top_labels", DataTypes.createArrayType(DataTypes.StringType, false), true)
                .add("top_probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
        if (embeddings) s = s.add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        return s.add("error", DataTypes.StringType, true);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ImageClassifier classifier = ExecutorModels.get(model.id(), model.value(), topK, batch, threads);
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next < ready.size()) return true;
                ready.clear();
                next = 0;
                fill();
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.get(next++);
            }

            /** Reads up to {@code batch} images and turns them into output rows. */
            private void fill() {
                List<String> paths = new ArrayList<>();
                List<float[]> inputs = new ArrayList<>();
                List<Integer> slots = new ArrayList<>();
                List<Row> out = new ArrayList<>();
                while (inputs.size() < batch && rows.hasNext()) {
                    Row r = rows.next();
                    String path = r.getString(0);
                    try {
                        inputs.add(classifier.preprocess(r.getAs(1), path));
                        paths.add(path);
                        slots.add(out.size());
                        out.add(null);
                    } catch (Exception e) {
                        out.add(failed(path, e.getMessage() == null ? e.toString() : e.getMessage()));
                    }
                }
                if (!inputs.isEmpty()) {
                    List<ImageClassifier.Result> results = classifier.classifyTensors(inputs);
                    for (int i = 0; i < results.size(); i++) out.set(slots.get(i), row(paths.get(i), results.get(i)));
                }
                ready.addAll(out);
            }
        };
    }

    private Row row(String path, ImageClassifier.Result r) {
        List<Predictor.Prediction> top = r.top();
        // Spark's row encoder takes arrays as Scala Seqs
        List<Integer> indices = top.stream().map(Predictor.Prediction::index).toList();
        List<String> labels = top.stream().map(Predictor.Prediction::label).toList();
        List<Double> probabilities =
                top.stream().map(Predictor.Prediction::probability).toList();
        Object[] values = embeddings
                ? new Object[] {path, seq(indices), seq(labels), seq(probabilities), seq(floats(r.embedding())), null}
                : new Object[] {path, seq(indices), seq(labels), seq(probabilities), null};
        return RowFactory.create(values);
    }

    private static Object seq(List<?> list) {
        return list == null ? null : CollectionConverters.asScala(list).toSeq();
    }

    private static List<Float> floats(float[] v) {
        if (v == null) return null;
        List<Float> out = new ArrayList<>(v.length);
        for (float f : v) out.add(f);
        return out;
    }

    private Row failed(String path, String error) {
        return RowFactory.create(
                embeddings
                        ? new Object[] {path, null, null, null, null, error}
                        : new Object[] {path, null, null, null, error});
    }
}
