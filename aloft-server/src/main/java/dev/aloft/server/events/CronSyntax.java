package dev.aloft.server.events;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.aloft.server.AloftException;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads cron expressions and, when one is wrong, names the field at fault: cron-utils reports
 * "Value 61 not in range [0, 59]" without saying which field held the 61.
 */
final class CronSyntax {

    /** The canonical Quartz expression (with seconds), its evaluator, and the input to the fall-back rule. */
    record Parsed(String expression, ExecutionTime wallClock, boolean firesEveryHour) {}

    private static final CronParser QUARTZ =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final List<String> FIELDS =
            List.of("second", "minute", "hour", "day-of-month", "month", "day-of-week", "year");
    private static final String LAYOUT = "sec min hour day-of-month month day-of-week [year]";
    private static final String EVENTBRIDGE_LAYOUT = "min hour day-of-month month day-of-week year";
    private static final int DAY_OF_MONTH = 3;
    private static final int DAY_OF_WEEK = 5;
    private static final Pattern EVENTBRIDGE = Pattern.compile("(?i)cron\\((.*)\\)");
    private static final Pattern NTH_WEEKDAY = Pattern.compile("#([^1-5]|\\d{2,})");
    private static final Pattern SINGLE_SECOND = Pattern.compile("\\d{1,2}");
    private static final String CRON_UTILS_PREFIX = "Failed to parse cron expression. ";

    private CronSyntax() {}

    static Parsed parse(String cron) {
        String trimmed = cron.strip();
        Matcher eventBridge = EVENTBRIDGE.matcher(trimmed);
        if (!eventBridge.matches()) {
            return parseQuartz(cron, fields(trimmed));
        }
        List<String> fields = fields(eventBridge.group(1));
        if (fields.size() != 6) {
            throw invalid(cron, "EventBridge's cron(...) takes 6 fields (" + EVENTBRIDGE_LAYOUT + "), got "
                    + fields.size() + quartzHint(fields));
        }
        List<String> quartz = new ArrayList<>(fields);
        quartz.addFirst("0");
        try {
            return parseQuartz(cron, quartz);
        } catch (AloftException e) {
            throw new AloftException(e.httpStatus(), e.errorType(), e.getMessage() + quartzHint(fields), e);
        }
    }

    /**
     * Fields meant as Quartz mean something else in EventBridge's layout ({@code 0 0/5 * * ? *} is
     * every five hours there); if the user's fields are valid Quartz, point that out.
     */
    private static String quartzHint(List<String> fields) {
        try {
            parseQuartz(String.join(" ", fields), fields);
            return "; cron(...) uses EventBridge's fields (" + EVENTBRIDGE_LAYOUT
                    + "), for Quartz fields starting with seconds pass the expression without cron(...)";
        } catch (AloftException notQuartzEither) {
            return "";
        }
    }

    private static Parsed parseQuartz(String cron, List<String> fields) {
        if (fields.size() != 6 && fields.size() != 7) {
            throw invalid(cron, "expected 6 or 7 fields (" + LAYOUT + "), got " + fields.size());
        }
        for (int i = 0; i < fields.size(); i++) {
            checkField(cron, i, fields.get(i));
        }
        boolean dayOfMonthUnset = fields.get(DAY_OF_MONTH).equals("?");
        boolean dayOfWeekUnset = fields.get(DAY_OF_WEEK).equals("?");
        if (dayOfMonthUnset == dayOfWeekUnset) {
            throw invalid(cron, "exactly one of day-of-month and day-of-week must be '?' "
                    + "(e.g. '0 0 12 * * ?' for every day, '0 0 12 ? * MON' for Mondays)");
        }
        String expression = String.join(" ", fields);
        Cron parsed = cronUtils(cron, expression);
        return new Parsed(expression, ExecutionTime.forCron(parsed), matchesEveryHour(fields.get(2)));
    }

    /** Parses one field inside an expression that is otherwise valid, so any error is that field's. */
    private static void checkField(String cron, int index, String field) {
        if ((index == DAY_OF_MONTH || index == DAY_OF_WEEK) && field.equals("?")) {
            return;
        }
        List<String> probe = new ArrayList<>(List.of("0", "0", "0", "*", "*", "?"));
        if (index == DAY_OF_WEEK) {
            probe.set(DAY_OF_MONTH, "?");
        }
        if (index < probe.size()) {
            probe.set(index, field);
        } else {
            probe.add(field);
        }
        // Like rates and EventBridge, schedules fire at most once a minute: a burst of invocations
        // every few seconds is a job for a long-running function, not a schedule.
        if (index == 0 && !SINGLE_SECOND.matcher(field).matches()) {
            throw invalid(cron, "second field '" + field + "': schedules fire at most once a minute, "
                    + "so the second field must be a single number from 0 to 59, e.g. '0'");
        }
        // cron-utils takes MON#6; Quartz allows only the 1st to 5th weekday of a month.
        if (index == DAY_OF_WEEK && NTH_WEEKDAY.matcher(field).find()) {
            throw invalid(cron, "day-of-week field '" + field + "': the number after '#' must be 1 to 5 "
                    + "(e.g. 'FRI#3' for the third Friday of the month)");
        }
        try {
            cronUtils(cron, String.join(" ", probe));
        } catch (AloftException e) {
            throw invalid(cron, FIELDS.get(index) + " field '" + field + "': "
                    + e.getCause().getMessage().replace(CRON_UTILS_PREFIX, ""));
        }
    }

    private static Cron cronUtils(String cron, String expression) {
        try {
            Cron parsed = QUARTZ.parse(expression);
            parsed.validate();
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new AloftException(400, "InvalidParameterValueException",
                    message(cron, e.getMessage().replace(CRON_UTILS_PREFIX, "")), e);
        }
    }

    /** Decides the fall-back rule in {@link CronSchedule}: does the hour field match all 24 hours? */
    private static boolean matchesEveryHour(String hourField) {
        ExecutionTime hours = ExecutionTime.forCron(QUARTZ.parse("0 0 " + hourField + " * * ?"));
        ZonedDateTime day = ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        Optional<ZonedDateTime> hour = hours.nextExecution(day.minusSeconds(1));
        for (int expected = 0; expected < 24; expected++) {
            if (hour.isEmpty() || hour.get().getHour() != expected) {
                return false;
            }
            hour = hours.nextExecution(hour.get());
        }
        return true;
    }

    private static List<String> fields(String expression) {
        String stripped = expression.strip();
        return stripped.isEmpty()
                ? List.of()
                : Arrays.stream(stripped.split("\\s+")).map(f -> f.toUpperCase(Locale.ROOT)).toList();
    }

    static AloftException invalid(String cron, String reason) {
        return AloftException.invalid(message(cron, reason));
    }

    private static String message(String cron, String reason) {
        return "cron expression '" + cron + "' is invalid: " + reason;
    }
}
