namespace Gemba.Config;

/// <summary>How the first axis of <c>[pool.&lt;scope&gt;.&lt;persona&gt;]</c> is read.</summary>
public enum ScopeMode
{
    /// <summary>One implicit scope, <c>local</c>; any other name is a legacy rig key.</summary>
    Native,
    /// <summary>Scopes are Gas Town rigs.</summary>
    GasTown,
}
