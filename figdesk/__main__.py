from figdesk.cli.main import main

raise SystemExit(main())
