package dev.ssekit.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy on 127.0.0.1 that forwards both ways until {@link #freeze()}, then silently stops
 * forwarding and stops reading in both directions, keeping every socket open: to either side the
 * connection looks alive and the peer has simply gone quiet, as in a half-open connection.
 * Small socket buffers make the server's writes stall quickly once it is frozen.
 */
final class FreezingProxy implements AutoCloseable {

    private static final int BUFFER = 8 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final CountDownLatch frozen = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FreezingProxy(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.listener = new ServerSocket();
        listener.setReceiveBufferSize(BUFFER);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::accept, "freezing-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Stops forwarding and reading, both ways, for good. */
    void freeze() {
        frozen.countDown();
    }

    private void accept() {
        try {
            while (!listener.isClosed()) {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.setReceiveBufferSize(BUFFER);
                server.connect(target, 5_000);
                sockets.add(client);
                sockets.add(server);
                pump(client, server);
                pump(server, client);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[1024];
                    try {
                        InputStream in = from.getInputStream();
                        OutputStream out = to.getOutputStream();
                        for (int n; frozen.getCount() > 0 && (n = in.read(buffer)) != -1; ) {
                            if (frozen.getCount() > 0) {
                                out.write(buffer, 0, n);
                            }
                        }
                        if (frozen.getCount() > 0) {
                            to.shutdownOutput();
                        }
                    } catch (IOException e) {
                        // a side closed: the test closes everything at the end
                    }
                },
                "freezing-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
