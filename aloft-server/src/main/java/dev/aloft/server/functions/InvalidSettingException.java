package dev.aloft.server.functions;

import dev.aloft.server.AloftException;

/**
 * A deploy refused (400) for the value of a setting. The message is worded with the native API's
 * names; {@link #message(Setting.Names)} words it for another API.
 */
public final class InvalidSettingException extends AloftException {

    /** A message that names settings as the {@link Setting.Names} it is given call them. */
    @FunctionalInterface
    interface Wording {
        String in(Setting.Names names);
    }

    private final Wording wording;

    InvalidSettingException(Wording wording) {
        super(400, "InvalidParameterValueException", wording.in(Setting.NATIVE));
        this.wording = wording;
    }

    /** The message with each setting called what {@code names} calls it. */
    public String message(Setting.Names names) {
        return wording.in(names);
    }
}
