"""Timer-trigger schedules (NCRONTAB and TimeSpan): pure parsing and next-occurrence arithmetic."""

from devhost.timers.ncrontab import CronExpressionError, CronSchedule, parse_ncrontab
from devhost.timers.schedule import IntervalSchedule, TimerSchedule, parse_timer_schedule, parse_timespan

__all__ = [
    "CronExpressionError",
    "CronSchedule",
    "IntervalSchedule",
    "TimerSchedule",
    "parse_ncrontab",
    "parse_timer_schedule",
    "parse_timespan",
]
