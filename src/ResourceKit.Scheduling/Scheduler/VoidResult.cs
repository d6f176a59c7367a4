namespace ResourceKit.Scheduling;

/// <summary>The result type of work that returns nothing; <see cref="Task{TResult}"/> of it is exposed as <see cref="Task"/>.</summary>
internal readonly struct VoidResult;
