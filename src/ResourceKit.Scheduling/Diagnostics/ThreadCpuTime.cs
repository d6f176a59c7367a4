using System.Runtime.InteropServices;

namespace ResourceKit.Scheduling;

/// <summary>
/// CPU time consumed by the calling thread: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c> on Linux and macOS,
/// <c>GetThreadTimes</c> on Windows. Elsewhere (or if the call fails) it falls back to the whole process's CPU time,
/// which over-counts when other threads are busy.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int LinuxThreadCpuClock = 3;
    private const int MacThreadCpuClock = 16;

    public static TimeSpan Now()
    {
        try
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                int clock = OperatingSystem.IsLinux() ? LinuxThreadCpuClock : MacThreadCpuClock;
                if (ClockGetTime(clock, out var spec) == 0)
                {
                    return TimeSpan.FromTicks(((long)spec.Seconds * TimeSpan.TicksPerSecond) + ((long)spec.Nanoseconds / 100));
                }
            }
            else if (OperatingSystem.IsWindows() && GetThreadTimes(GetCurrentThread(), out _, out _, out long kernel, out long user))
            {
                return TimeSpan.FromTicks(kernel + user);
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // Fall through to the portable reading.
        }

        return Environment.CpuUsage.TotalTime;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec value);

    [LibraryImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(nint thread, out long creation, out long exit, out long kernel, out long user);

    [LibraryImport("kernel32.dll")]
    private static partial nint GetCurrentThread();

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}
