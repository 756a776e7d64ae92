import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.tools.command.MQAdminStartup;

/**
 * Runs several of RocketMQ's own mqadmin commands in one JVM (a JVM start costs seconds on a
 * small machine). stdin: one command per line, arguments separated by tabs. mqadmin reports a
 * failure only by printing it, so each command must print "success" or the batch exits 1.
 * Run as a single-file program: java -cp '.cache/rocketmq/lib/*' ops/rocketmq/AdminBatch.java
 */
public class AdminBatch {
    private static final int ATTEMPTS = 60;

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = System.out;
        int failed = 0;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            String[] command = line.split("\t");
            out.println("mqadmin " + String.join(" ", command));
            // Right after a start the broker may not be registered with the nameserver yet
            // ("Make sure the specified clusterName exists"): the commands are idempotent, so a
            // failed one is tried again, once a second, for up to ATTEMPTS seconds.
            String text = "";
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                ByteArrayOutputStream captured = new ByteArrayOutputStream();
                System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
                try {
                    MQAdminStartup.main0(command, null);
                } finally {
                    System.setOut(out);
                }
                text = captured.toString(StandardCharsets.UTF_8);
                if (text.contains("success")) break;
                if (attempt == 1) out.println("  not yet: " + text.trim().split("\n")[0] + " (trying again for up to " + ATTEMPTS + " s)");
                if (attempt < ATTEMPTS) Thread.sleep(1000);
            }
            out.println("  " + text.trim().replace("\n", "\n  "));
            if (!text.contains("success")) {
                failed++;
                out.println("  FAILED");
            }
        }
        out.flush();
        System.exit(failed == 0 ? 0 : 1);
    }
}
