package dev.ssekit.fixturethree.internal;

/** A package-rules fixture: an implementation class. */
public final class Impl {
    public static int answer() {
        return 42;
    }
}
