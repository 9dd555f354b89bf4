namespace SvdWeb.Components.Shared;

/// <summary>How much of an instant <see cref="LocalTime"/> shows; the browser's locale decides the order and words.</summary>
public enum LocalTimeFormat
{
    /// <summary>Date and time to the minute (Intl dateStyle "medium", timeStyle "short").</summary>
    DateTime,

    /// <summary>Date and time to the second, for a record (the detail page's "Created").</summary>
    DateTimeSeconds,

    /// <summary>Time of day only, for instants that are within a day of now (the quota's reset).</summary>
    Time,

    /// <summary>The time alone when it falls on the viewer's today, else date and time (the queue: mostly today).</summary>
    Auto,
}
