// Each test runs its own gemba and chromium; on a two-core machine they are faster one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
