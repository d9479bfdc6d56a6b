"""Task list (任务清单): tasks with deadlines, lead units, milestones, progress reports and supervision."""
