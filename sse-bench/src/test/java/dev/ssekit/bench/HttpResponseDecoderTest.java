package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpResponseDecoderTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "X-Bench-Impl: naive\r\n"
            + "\r\n"
            + chunk("hello ")
            + chunk("event: x\ndata: {\"a\":1}\n\n")
            + "0\r\n\r\n";

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    /** Records what the decoder reports. */
    private static final class Recorder implements HttpResponseDecoder.Listener {
        final List<Integer> statuses = new ArrayList<>();
        final List<String> impls = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final List<String> bodies = new ArrayList<>();

        @Override
        public void onHeaders(HttpResponseDecoder response) {
            statuses.add(response.status());
            impls.add(response.impl());
        }

        @Override
        public void onBody(byte[] bytes, int offset, int length) {
            body.write(bytes, offset, length);
        }

        @Override
        public void onComplete() {
            bodies.add(body.toString(StandardCharsets.UTF_8));
            body.reset();
        }
    }

    @Test
    void chunkedBodyIsTheSameWhereverTheBytesAreSplit() throws Exception {
        byte[] wire = CHUNKED.getBytes(StandardCharsets.US_ASCII);
        for (int split = 0; split <= wire.length; split++) {
            Recorder r = new Recorder();
            HttpResponseDecoder d = new HttpResponseDecoder(r);
            d.feed(wire, 0, split);
            d.feed(wire, split, wire.length - split);
            assertThat(r.statuses).as("split at %d", split).containsExactly(200);
            assertThat(r.impls).containsExactly("naive");
            assertThat(r.bodies).as("split at %d", split).containsExactly("hello event: x\ndata: {\"a\":1}\n\n");
        }
    }

    @Test
    void chunkedBodyFedOneByteAtATimeIsWhole() throws Exception {
        byte[] wire = CHUNKED.getBytes(StandardCharsets.US_ASCII);
        Recorder r = new Recorder();
        HttpResponseDecoder d = new HttpResponseDecoder(r);
        for (int i = 0; i < wire.length; i++) {
            d.feed(wire, i, 1);
        }
        assertThat(r.bodies).containsExactly("hello event: x\ndata: {\"a\":1}\n\n");
    }

    @Test
    void keepAliveResponsesFollowOneAnother() throws Exception {
        String two = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
                + "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        Recorder r = new Recorder();
        HttpResponseDecoder d = new HttpResponseDecoder(r);
        byte[] wire = two.getBytes(StandardCharsets.US_ASCII);
        d.feed(wire, 0, wire.length);
        assertThat(r.statuses).containsExactly(200, 413);
        assertThat(r.bodies).containsExactly("first", "{}");
        assertThat(d.connectionClose()).isTrue();
    }

    @Test
    void emptyContentLengthCompletesAtTheEndOfTheHeaders() throws Exception {
        Recorder r = new Recorder();
        HttpResponseDecoder d = new HttpResponseDecoder(r);
        byte[] wire = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(wire, 0, wire.length);
        assertThat(r.bodies).containsExactly("");
    }

    @Test
    void badChunkSizeIsAProtocolError() {
        HttpResponseDecoder d = new HttpResponseDecoder(new Recorder());
        byte[] wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> d.feed(wire, 0, wire.length))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bad chunk size");
    }

    @Test
    void badStatusLineIsAProtocolError() {
        HttpResponseDecoder d = new HttpResponseDecoder(new Recorder());
        byte[] wire = "SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> d.feed(wire, 0, wire.length)).isInstanceOf(ProtocolException.class);
    }
}
