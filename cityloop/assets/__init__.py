"""The component inventory (部件): coded facilities with owners, import and nearest lookup."""
