from metrics_warehouse.cli import main

raise SystemExit(main())
