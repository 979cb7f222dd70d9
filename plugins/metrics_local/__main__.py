from metrics_local.cli import main

raise SystemExit(main())
