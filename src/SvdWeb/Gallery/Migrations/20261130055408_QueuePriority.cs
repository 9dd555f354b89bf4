using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class QueuePriority : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PinRank",
                table: "Generations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "QueueOrder",
                table: "Generations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PinRank",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "QueueOrder",
                table: "Generations");
        }
    }
}
