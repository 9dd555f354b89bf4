using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class Sweeps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "SweepColumn",
                table: "Generations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SweepId",
                table: "Generations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SweepRow",
                table: "Generations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Sweeps",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OwnerName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ModelName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    InputFileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    ColumnAxis = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ColumnValues = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    RowAxis = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    RowValues = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    BaseRecipeJson = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Draft = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sweeps", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Generations_SweepId",
                table: "Generations",
                column: "SweepId");

            migrationBuilder.CreateIndex(
                name: "IX_Sweeps_CreatedUtc",
                table: "Sweeps",
                column: "CreatedUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Sweeps");

            migrationBuilder.DropIndex(
                name: "IX_Generations_SweepId",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepColumn",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepId",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepRow",
                table: "Generations");
        }
    }
}
