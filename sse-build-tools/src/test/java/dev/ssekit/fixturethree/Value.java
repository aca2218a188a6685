package dev.ssekit.fixturethree;

import dev.ssekit.fixturethree.internal.Impl;

/** A package-rules fixture: an API value type that reaches into the implementation. */
public record Value(int number) {
    public Value {
        number = number + Impl.answer();
    }
}
