package dev.aloft.server.events;

import java.time.Instant;
import java.util.Optional;

/** A schedule of a function as stored: its expression, what it sends and when it last fired. */
public record StoredSchedule(String id, String functionName, Optional<String> qualifier, Schedule schedule, Optional<String> input, CatchUp catchUp,
                             Instant lastFired) {}
