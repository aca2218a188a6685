package dev.ssekit.fixturethree;

import dev.ssekit.fixturethree.internal.Impl;

/** A package-rules fixture: the one class that may use the internal package. */
public final class Facade {
    public int answer() {
        return Impl.answer();
    }
}
