"""Publishing (数据开放): datasets, their reviewed and frozen versions, and the open-data catalogue."""
