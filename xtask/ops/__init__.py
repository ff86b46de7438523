"""Operations on grids and stores: plan, status, costs, bench, submission, migrate."""
